/// A command line or environment lrkit-bench cannot run, with the argument or variable at fault.
struct BenchOptionsError: Error, Equatable, CustomStringConvertible {
  /// What is wrong, naming the argument or variable.
  let description: String
  init(_ description: String) { self.description = description }
}
