import ArgumentParser
import LRSchedules

/// `lrkit types`: every spec type LRKit decodes.
struct Types: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every schedule spec type (native families and peer APIs).")

  func run() {
    var out = Output()
    for t in ScheduleSpec.knownTypes { out.write(t + "\n") }
    out.flush()
  }
}
