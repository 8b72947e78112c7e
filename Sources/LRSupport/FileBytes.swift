import Foundation

/// Reads a whole file once, whatever it is: a regular file, or a pipe or device read as a stream
/// (bash's `<(…)` passes `/dev/fd/63`, which `FileManager.contents(atPath:)` cannot read).
public enum FileBytes {
  /// The bytes of `path`, or nil when it cannot be opened or read (a directory among them).
  public static func read(_ path: String) -> [UInt8]? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      return nil
    }
    if let data = FileManager.default.contents(atPath: path) { return [UInt8](data) }
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    do {
      return [UInt8](try handle.readToEnd() ?? Data())  // nil: an empty stream
    } catch {
      return nil
    }
  }
}
