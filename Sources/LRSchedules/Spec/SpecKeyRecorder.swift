/// Records the keys a spec decoder reads, with their defaults, for `lrkit types TYPE`: the
/// decoder itself is the one source of truth for which parameters a type takes.
///
/// Installed for one decode at a time with ``record(_:)``; only the task that installed it
/// writes to it.
package final class SpecKeyRecorder: @unchecked Sendable {
  /// The recorder of the current task, if any.
  @TaskLocal package static var current: SpecKeyRecorder?

  /// Keys in the order first read (dotted paths for children), each with the schedule that read
  /// it and its default where the reader states one.
  package private(set) var keys: [(key: String, schedule: String, defaultValue: String?)] = []

  package init() {}

  func read(_ key: String, in schedule: String) {
    if let i = keys.firstIndex(where: { $0.key == key }) {
      if keys[i].schedule.isEmpty { keys[i].schedule = schedule }
    } else {
      keys.append((key, schedule, nil))
    }
  }

  func defaultValue(_ key: String, _ value: String) {
    if let i = keys.firstIndex(where: { $0.key == key }) {
      keys[i].defaultValue = value
    } else {
      keys.append((key, "", value))
    }
  }

  /// Runs `body` with this recorder installed.
  package func record<T>(_ body: () throws -> T) rethrows -> T {
    try SpecKeyRecorder.$current.withValue(self) { try body() }
  }
}
