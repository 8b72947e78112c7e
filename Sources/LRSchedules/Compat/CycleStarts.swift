/// The first step of each cycle 0, 1, 2, … as a peer's own floating-point cycle index puts it
/// (timm's `math.log(x, cycle_mul)`, Keras' float32 `log`): around each exact boundary the
/// peer's index expression is evaluated, so a table of these starts gives the peer's cycle at
/// every step, bit for bit, with a binary search instead of a logarithm.
///
/// Stops at `cycles`, at an exact boundary not below `limit` (or not finite), or at the first
/// cycle that cannot be located (the index skips it or is not monotone there). `starts[0]` is 0.
func cycleStarts(cycles: Int, limit: Double, exact: (Int) -> Double, index: (Int) -> Int?) -> [Int] {
  var starts: [Int] = []
  for i in 0..<max(cycles, 0) {
    let boundary = exact(i)
    guard boundary.isFinite, boundary < limit else { break }
    let guess = Int(boundary.rounded())
    var start: Int?
    for t in max(0, guess - 3)...(guess + 3) {
      guard let k = index(t) else { break }
      if k >= i {
        // Monotone here: the point before must have a smaller index.
        if t > 0, let before = index(t - 1), before >= i { break }
        if k == i { start = t }
        break
      }
    }
    guard let start, starts.last.map({ start > $0 }) ?? (start == 0) else { break }
    starts.append(start)
  }
  return starts
}
