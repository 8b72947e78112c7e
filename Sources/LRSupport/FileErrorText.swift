import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line for a failed file operation: the C library's reason ("no such file or directory"),
/// never Foundation's whole `NSError` dump.
public enum FileErrorText {
  /// The C library's words for `code`, lowercased after the first letter.
  public static func reason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }

  /// The reason under an error Foundation threw while reading or writing a file: the POSIX
  /// error underneath when there is one.
  public static func describe(_ error: any Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return reason(Int32(ns.code)) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return reason(Int32(underlying.code))
    }
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return reason(ENOENT)
    case .fileWriteNoPermission, .fileReadNoPermission: return reason(EACCES)
    case .fileWriteOutOfSpace: return reason(ENOSPC)
    case .fileWriteFileExists: return reason(EEXIST)
    case .fileWriteVolumeReadOnly: return reason(EROFS)
    default: return ns.localizedDescription
    }
  }

  /// The nearest existing ancestor of `path` that is not a directory (a file where a directory
  /// would have to be created), or nil.
  public static func blockingAncestor(of path: String) -> String? {
    var current = (path as NSString).deletingLastPathComponent
    while !current.isEmpty {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
        return isDirectory.boolValue ? nil : current
      }
      let parent = (current as NSString).deletingLastPathComponent
      if parent == current { return nil }
      current = parent
    }
    return nil
  }

  /// The file an error Foundation threw is about, when it says.
  public static func path(_ error: any Error) -> String? {
    let ns = error as NSError
    if let path = ns.userInfo[NSFilePathErrorKey] as? String { return path }
    return (ns.userInfo[NSURLErrorKey] as? URL)?.path
  }
}
