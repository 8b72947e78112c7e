import Foundation

/// Standard-error text kept in memory: what ``Output/standardError(_:)`` writes while this
/// capture is the task's `Output.capturedStandardError`.
final class StandardErrorCapture: @unchecked Sendable {
  private let lock = NSLock()
  private var buffer = ""

  /// Everything written so far.
  var text: String { lock.withLock { buffer } }

  /// Appends `text`; safe from any thread.
  func append(_ text: String) { lock.withLock { buffer += text } }
}
