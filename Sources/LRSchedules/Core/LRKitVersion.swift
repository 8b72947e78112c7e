/// The version of LRKit (semantic versioning; the CHANGELOG lists what each one changed).
public enum LRKitVersion {
  /// The version string, for example `"0.9.0"`; `lrkit --version` prints it.
  public static let current = "0.9.0"
}
