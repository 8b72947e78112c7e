/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
/// (at most 2 edits, or a third of the candidate's length); the "did you mean" of every reader.
package func nearest(to word: String, in candidates: [String]) -> String? {
  var best: (String, Int)?
  for c in candidates {
    let d = editDistance(word.lowercased(), c.lowercased())
    if d <= max(2, c.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
  }
  return best?.0
}

/// Levenshtein distance between two strings.
package func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var prev = Array(0...b.count)
  var cur = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    cur[0] = i
    for j in 1...b.count {
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    swap(&prev, &cur)
  }
  return prev[b.count]
}

/// `Int(x)` when `x` is finite and within `Int`'s range (truncating, as Python's `int()`),
/// else nil: numbers from users never reach a trapping conversion.
package func truncatedInt(_ x: Double) -> Int? {
  guard x.isFinite, x > -9.2e18, x < 9.2e18 else { return nil }
  return Int(x)
}
