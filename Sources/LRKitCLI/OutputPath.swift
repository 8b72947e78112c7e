import Foundation
import LRSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files and directories a user names for LRKit's output (`--out`, `--svg`): checked before
/// the work starts, written without ever replacing what is not a regular file, and errors that
/// name the flag, the path and the reason in one line.
enum OutputPath {
  /// Checks, before any work, that `path` can take a file for `flag`: not empty, not a
  /// directory, and either writable or creatable in an existing directory.
  static func checkFile(_ path: String, flag: String) throws(CLIError) {
    guard !path.isEmpty else { throw CLIError("\(flag): an empty path") }
    var info = stat()
    if stat(path, &info) == 0 {
      if info.st_mode & S_IFMT == S_IFDIR { throw CLIError("\(flag) '\(path)': is a directory") }
      guard access(path, W_OK) == 0 else { throw CLIError("\(flag) '\(path)': \(FileErrorText.reason(errno))") }
      return
    }
    let parent = (path as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    var parentInfo = stat()
    guard stat(directory, &parentInfo) == 0 else {
      throw CLIError("\(flag) '\(path)': its directory '\(directory)': \(FileErrorText.reason(errno))")
    }
    guard parentInfo.st_mode & S_IFMT == S_IFDIR else {
      throw CLIError("\(flag) '\(path)': '\(directory)' is not a directory")
    }
    guard access(directory, W_OK) == 0 else {
      throw CLIError("\(flag) '\(path)': its directory '\(directory)': \(FileErrorText.reason(errno))")
    }
  }

  /// Writes `text` to the file at `path` for `flag`.
  ///
  /// A regular file (or a new one) is replaced atomically: a temporary file, then a rename, so a
  /// reader never sees half of it; through a symbolic link, the file the link points to is
  /// replaced and the link stays. A device, pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO)
  /// is written into: renaming over it would destroy it (as root, `/dev/null` itself).
  static func writeFile(_ text: String, to path: String, flag: String) throws(CLIError) {
    try checkFile(path, flag: flag)
    var info = stat()
    var target = path
    if stat(path, &info) == 0 {
      guard info.st_mode & S_IFMT == S_IFREG else {
        try writeInto(Data(text.utf8), path: path, flag: flag)
        return
      }
      if let resolved = realpath(path, nil) {
        target = String(cString: resolved)
        free(resolved)
      }
    } else {
      target = linkTarget(path)
    }
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
    } catch {
      throw CLIError("\(flag) '\(path)': cannot write it: \(FileErrorText.describe(error))")
    }
  }

  /// Creates the directory `path` for `flag` (with its parents) before any work, or checks the
  /// one already there: not empty, a directory, writable.
  static func prepareDirectory(_ path: String, flag: String) throws(CLIError) {
    guard !path.isEmpty else { throw CLIError("\(flag): an empty path") }
    var info = stat()
    if stat(path, &info) == 0 {
      guard info.st_mode & S_IFMT == S_IFDIR else { throw CLIError("\(flag) '\(path)': not a directory") }
    } else {
      if let file = FileErrorText.blockingAncestor(of: path) {
        throw CLIError("\(flag) '\(path)': '\(file)' is not a directory")
      }
      do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      } catch {
        throw CLIError("\(flag) '\(path)': cannot create the directory: \(FileErrorText.describe(error))")
      }
    }
    guard access(path, W_OK | X_OK) == 0 else { throw CLIError("\(flag) '\(path)': \(FileErrorText.reason(errno))") }
  }

  /// Where a chain of symbolic links ending nowhere yet points (the file to create), or `path`
  /// itself when it is not a link.
  private static func linkTarget(_ path: String) -> String {
    var current = path
    for _ in 0..<40 {
      guard let next = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
      current = next.hasPrefix("/") ? next
        : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(next)
    }
    return current
  }

  /// Writes into an existing device, pipe or socket.
  private static func writeInto(_ data: Data, path: String, flag: String) throws(CLIError) {
    let fd = open(path, O_WRONLY | O_TRUNC)
    guard fd >= 0 else { throw CLIError("\(flag) '\(path)': \(FileErrorText.reason(errno))") }
    defer { close(fd) }
    var offset = 0
    let failure: Int32? = data.withUnsafeBytes { bytes -> Int32? in
      while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          return errno
        }
        offset += n
      }
      return nil
    }
    if let failure { throw CLIError("\(flag) '\(path)': cannot write it: \(FileErrorText.reason(failure))") }
  }
}
