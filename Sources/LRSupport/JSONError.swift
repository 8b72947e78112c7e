/// Why a text is not valid JSON: where (line and column) and what is wrong there.
package struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
  /// "line L, column C" of the offending byte.
  package var position: String
  /// What is wrong there.
  package var problem: String

  /// An error at `position`.
  package init(position: String, problem: String) {
    self.position = position
    self.problem = problem
  }

  /// "invalid JSON at line L, column C: problem".
  package var description: String { "invalid JSON at \(position): \(problem)" }
}
