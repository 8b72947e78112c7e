/// Scratch memory for activations: a few raw Float32 arrays owned together and freed together.
final class Scratch {
  private var blocks: [UnsafeMutablePointer<Float>] = []
  /// Floats allocated so far.
  private(set) var floats = 0

  /// A zeroed array of `count` floats that lives as long as this scratch.
  func make(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    p.initialize(repeating: 0, count: max(count, 1))
    blocks.append(p)
    floats += max(count, 1)
    return p
  }

  deinit { for b in blocks { b.deallocate() } }
}
