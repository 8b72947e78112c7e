/// The last index `i` with `sorted[i] <= x`: the cycle search of the restart schedules
/// (native `restarts`, timm's and Keras' cycle tables, PyTorch's `CosineAnnealingWarmRestarts`).
///
/// ```
/// lo = 0, n = count
/// while n > 1: half = n / 2; if sorted[lo + half] <= x { lo += half }; n -= half
/// ```
/// `sorted` is ascending and `sorted[0] <= x`; the answer is the index a textbook binary search
/// gives (the tests compare them on random tables with repeats). Written as a select so that it
/// could be a conditional move, but LLVM's x86 cmov conversion turns it back into a branch in
/// this loop; at random steps it measured the same as the branching searches it replaced.
@inlinable @inline(__always)
func lastIndex<T: Comparable>(notAbove x: T, in sorted: [T]) -> Int {
  sorted.withUnsafeBufferPointer { b in
    var lo = 0
    var n = b.count
    while n > 1 {
      let half = n / 2
      lo = b[lo + half] <= x ? lo + half : lo
      n -= half
    }
    return lo
  }
}
