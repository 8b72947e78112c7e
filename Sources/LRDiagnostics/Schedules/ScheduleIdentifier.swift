import Foundation
import LRSchedules
import LRSupport

/// Recognises the schedule behind a logged learning-rate curve: its family (constant, step,
/// linear, cosine, WSD, exponential, inverse-sqrt, one-cycle, with or without warmup), warmup
/// length, peak, total length and floor, as a native spec that `lrkit curve` reproduces.
///
/// Every candidate is built as a spec and evaluated by LRKit's own decoder at the logged steps;
/// the one with the smallest largest error wins. The log's step `s` is taken to hold the lr of
/// update `s + offset` for the offset (−1, 0 or 1) that fits best.
public enum ScheduleIdentifier {
  /// A recognised schedule.
  public struct Match: Sendable {
    /// The native spec (JSON text, keys in a stable order).
    public var spec: String
    /// The family in words (for example "linear warmup (100 updates) then cosine to 1e-5").
    public var summary: String
    /// The largest difference from the logged lr, relative to the peak.
    public var maxError: Double
    /// The log's step `s` holds the lr of update `s + offset`.
    public var offset: Int
  }

  /// The best-fitting spec for the logged lr series, or nil when it has fewer than 3 points or
  /// no positive value.
  public static func identify(_ lr: TrainingLog.Series) -> Match? {
    let points = thin(zip(lr.steps, lr.values).filter { $0.1.isFinite && $0.0 >= 0 })
    guard points.count >= 3, let peak = points.map(\.1).max(), peak > 0 else { return nil }
    var scored: [(Candidate, Double, Int)] = []
    for offset in [0, -1, 1] {
      let pts = points.compactMap { s, v in s + offset >= 0 ? (s + offset, v) : nil }
      guard pts.count >= 3, let top = pts.map(\.1).max(), top > 0 else { continue }
      for candidate in candidates(pts, peak: top) {
        if let error = maxError(candidate.spec, pts, peak: peak) { scored.append((candidate, error, offset)) }
      }
    }
    // Refine the best few (the peak or a length between two logged points), then prefer the
    // simplest spec (fewest numbers) among those that fit as well as the best.
    scored.sort { $0.1 < $1.1 }
    var refined: [Match] = []
    for (candidate, error, offset) in scored.prefix(5) {
      let pts = points.compactMap { s, v in s + offset >= 0 ? (s + offset, v) : nil }
      let (c, e) = error < 1e-9 ? (candidate, error) : (refine(candidate, pts, peak: peak) ?? (candidate, error))
      refined.append(Match(spec: c.spec, summary: c.summary, maxError: e, offset: offset))
    }
    guard let lowest = refined.map(\.maxError).min() else { return nil }
    let best = refined.filter { $0.maxError <= lowest * 1.05 + 2e-6 }
      .min { (complexity($0.spec), abs($0.offset), $0.maxError) < (complexity($1.spec), abs($1.offset), $1.maxError) }
    return best
  }

  /// At most about 2000 points for long logs: evenly spaced, plus the points on both sides of
  /// every jump (a step decay's milestones must stay exact).
  static func thin(_ pts: [(Int, Double)], limit: Int = 2000) -> [(Int, Double)] {
    guard pts.count > limit else { return pts }
    let peak = pts.map { abs($0.1) }.max() ?? 1
    let stride = (pts.count + limit - 1) / limit
    var keep = Set(Swift.stride(from: 0, to: pts.count, by: stride))
    keep.insert(pts.count - 1)
    var jumps = 0
    for i in 1..<pts.count where abs(pts[i].1 - pts[i - 1].1) > 1e-3 * peak {
      keep.insert(i - 1)
      keep.insert(i)
      jumps += 1
      if jumps > limit { break }
    }
    return keep.sorted().map { pts[$0] }
  }

  /// How many numbers a spec holds: the simpler of two equally good fits has fewer.
  static func complexity(_ spec: String) -> Int {
    var count = 0
    var inNumber = false
    for c in spec.unicodeScalars {
      let digit = ("0"..."9").contains(c)
      if digit && !inNumber { count += 1 }
      inNumber = digit || (inNumber && (c == "." || c == "e" || c == "-"))
    }
    return count
  }

  /// The largest |spec(k) − logged(k)| / peak over the points, or nil when the spec is refused.
  static func maxError(_ spec: String, _ pts: [(Int, Double)], peak: Double) -> Double? {
    guard let decoded = try? ScheduleSpec.decode(text: spec) else { return nil }
    var worst = 0.0
    for (k, v) in pts {
      let x = decoded.lr.value(at: k)
      guard x.isFinite else { return nil }
      worst = max(worst, abs(x - v) / peak)
    }
    return worst
  }

  /// A family with numeric parameters (integers where `integer` says so) and how to write them
  /// as a spec; `refine` adjusts the parameters to the points.
  struct Candidate {
    var params: [Double]
    var integer: [Bool]
    var build: @Sendable ([Double]) -> (spec: String, summary: String)

    init(spec: String, summary: String) {
      params = []
      integer = []
      build = { _ in (spec, summary) }
    }

    init(params: [Double], integer: [Bool], build: @escaping @Sendable ([Double]) -> (spec: String, summary: String)) {
      self.params = params
      self.integer = integer
      self.build = build
    }

    var spec: String { build(params).spec }
    var summary: String { build(params).summary }
  }

  /// Coordinate descent on the largest error: real parameters by relative steps, integers by
  /// ±1, ±2, ±5, until no step helps.
  static func refine(_ c: Candidate, _ all: [(Int, Double)], peak: Double) -> (Candidate, Double)? {
    // At most ~400 points while searching (every point where the lr changes direction or level
    // matters less than the spread), then the error on all of them.
    let stride = max(1, all.count / 200)
    let pts = all.indices.filter { $0 % stride == 0 || $0 < 3 || $0 >= all.count - 3 }.map { all[$0] }
    guard var error = maxError(c.spec, pts, peak: peak) else { return nil }
    var current = c
    guard !c.params.isEmpty else { return (c, error) }
    for _ in 0..<40 {
      var improved = false
      for i in current.params.indices {
        // Integers by ±1, ±2, ±5; reals by relative steps, and by steps of the peak (a floor
        // that starts at 0 must be able to move).
        let moves: [(Double) -> Double] = current.integer[i]
          ? [{ $0 + 1 }, { $0 - 1 }, { $0 + 2 }, { $0 - 2 }, { $0 + 5 }, { $0 - 5 }]
          : [{ $0 * 1.01 }, { $0 / 1.01 }, { $0 * 1.001 }, { $0 / 1.001 }, { $0 * 1.0001 }, { $0 / 1.0001 },
             { $0 + 1e-2 * peak }, { $0 - 1e-2 * peak }, { $0 + 1e-3 * peak }, { $0 - 1e-3 * peak },
             { $0 + 1e-4 * peak }, { $0 - 1e-4 * peak }]
        for move in moves {
          var trial = current
          trial.params[i] = move(current.params[i])
          guard trial.params[i] >= 0, let e = maxError(trial.spec, pts, peak: peak), e < error - 1e-15 else { continue }
          current = trial
          error = e
          improved = true
        }
      }
      if !improved || error < 1e-9 { break }
    }
    guard let full = maxError(current.spec, all, peak: peak) else { return nil }
    return (current, full)
  }

  /// Six significant digits: enough for a float32 log, short enough to read.
  static func number(_ x: Double) -> String {
    let text = String(format: "%.6g", x)
    return Double(text).map { JSONValue.double($0).serialized() } ?? JSONValue.double(x).serialized()
  }

  /// Candidate specs from the shape of the points: the warmup, the plateau after the peak, the
  /// floor and the decay length estimated by inverting each family's formula.
  static func candidates(_ pts: [(Int, Double)], peak: Double) -> [Candidate] {
    let tol = 1e-6 * peak
    let firstPeak = pts.firstIndex { $0.1 >= peak - tol }!
    let lastPeak = pts.lastIndex { $0.1 >= peak - tol }!
    let (k0, v0) = pts[0]
    let lastStep = pts[pts.count - 1].0
    let floorValue = pts.map(\.1).min()!
    var out: [Candidate] = []

    // The warmup: a linear rise from its start value to the peak, reached at update W.
    var warmups: [(length: Int, start: Double)] = [(0, 0)]
    if firstPeak > 0, v0 < peak - tol {
      let w = pts[firstPeak].0
      var start = 0.0
      if firstPeak >= 2 {
        let (k1, v1) = pts[1]
        let slope = (v1 - v0) / Double(k1 - k0)
        start = max(0, v0 - slope * Double(k0))
      } else if k0 == 0 {
        start = v0
      }
      if start < 1e-3 * peak { start = 0 }
      warmups.append((w, start))
    }
    @Sendable func warmupKey(_ w: Int, _ start: Double) -> String {
      guard w > 0 else { return "" }
      return start == 0 ? ", \"warmup\": \(w)" : ", \"warmup\": {\"steps\": \(w), \"start\": \(number(start))}"
    }
    @Sendable func warmupWords(_ w: Int) -> String { w > 0 ? "linear warmup (\(w) updates) then " : "" }
    // Parameters: [lr, warmup, warmup start, …family]; a warmup of 0 stays 0.
    func family(_ w: (length: Int, start: Double), _ extra: [Double], _ extraInteger: [Bool],
                _ body: @escaping @Sendable (Double, Int, String, String, [Double]) -> (String, String)) -> Candidate {
      let hasStart = w.start > 0
      return Candidate(params: [peak, Double(w.length)] + (hasStart ? [w.start] : []) + extra,
                       integer: [false, true] + (hasStart ? [false] : []) + extraInteger) { p in
        let lr = p[0]
        let wl = w.length == 0 ? 0 : max(1, clampedInt(p[1]))
        let start = hasStart ? p[2] : 0
        let rest = Array(p[(hasStart ? 3 : 2)...])
        return body(lr, wl, warmupKey(wl, start), warmupWords(wl), rest)
      }
    }
    for w in warmups {
      out.append(family(w, [], []) { lr, _, key, words, _ in
        ("{\"type\": \"constant\", \"lr\": \(number(lr))\(key)}", words + "constant \(format(lr))")
      })
    }
    // Decays after the peak: estimate the length T (counted from the peak) by inverting each
    // formula at the points strictly between the peak and the floor.
    let decaying = pts[lastPeak...].filter { $0.1 < peak - tol }
    if !decaying.isEmpty {
      let reachedFloor = pts.count > 6 && pts.suffix(3).allSatisfy { abs($0.1 - floorValue) <= 1e-6 * peak }
      let floors = Set([0.0] + (reachedFloor || floorValue > 0 ? [floorValue] : [])).sorted()
      for w in warmups {
        let origin = w.length
        for floor in floors {
          let span = peak - floor
          guard span > 0 else { continue }
          let mid = decaying.filter { ($0.1 - floor) / span > 0.02 && ($0.1 - floor) / span < 0.98 }
          guard !mid.isEmpty else { continue }
          func length(after begin: Int, _ invert: (Double) -> Double) -> Double? {
            let estimates = mid.compactMap { k, v -> Double? in
              let x = invert((v - floor) / span)
              return x > 0 ? Double(k - begin) / x : nil
            }.sorted()
            return estimates.isEmpty ? nil : max(1, estimates[estimates.count / 2].rounded())
          }
          let linearX: (Double) -> Double = { 1 - $0 }
          let cosineX: (Double) -> Double = { acos(max(-1, min(1, 2 * $0 - 1))) / Double.pi }
          let sqrtX: (Double) -> Double = { let s = 1 - $0; return s * s }
          if let t = length(after: origin, linearX) {
            out.append(family(w, [t, floor], [true, false]) { lr, wl, key, words, r in
              let end = r[1] > 0 ? ", \"end\": \(number(r[1]))" : ""
              return ("{\"type\": \"linear\", \"lr\": \(number(lr)), \"steps\": \(clampedInt(r[0]) + wl)\(key)\(end)}",
                      words + "linear decay to \(format(r[1])) over \(clampedInt(r[0])) updates")
            })
          }
          if let t = length(after: origin, cosineX) {
            out.append(family(w, [t, floor], [true, false]) { lr, wl, key, words, r in
              let f = r[1] > 0 ? ", \"floor\": \(number(r[1]))" : ""
              return ("{\"type\": \"cosine\", \"lr\": \(number(lr)), \"steps\": \(clampedInt(r[0]) + wl)\(key)\(f)}",
                      words + "cosine decay to \(format(r[1])) over \(clampedInt(r[0])) updates")
            })
          }
          // WSD: a plateau at the peak, then the decay.
          let stable = pts[lastPeak].0 - origin
          if stable > 0 {
            for (shape, invert) in [("linear", linearX), ("cosine", cosineX), ("1-sqrt", sqrtX)] {
              guard let d = length(after: origin + stable, invert) else { continue }
              // The warmup of a WSD run may be curved too (transformers' warmup_type).
              for ramp in origin > 0 ? ["linear", "cosine", "1-sqrt"] : ["linear"] {
                out.append(family(w, [Double(stable), d, floor], [true, true, false]) { lr, wl, key, words, r in
                  let f = r[2] > 0 ? ", \"floor\": \(number(r[2]))" : ""
                  var warm = key
                  if ramp != "linear", wl > 0 {
                    warm = ", \"warmup\": {\"steps\": \(wl)" + (w.start > 0 ? ", \"start\": \(number(w.start))" : "") + ", \"shape\": \"\(ramp)\"}"
                  }
                  let rampWords = ramp == "linear" ? words : words.replacingOccurrences(of: "linear warmup", with: "\(ramp) warmup")
                  return ("{\"type\": \"wsd\", \"lr\": \(number(lr)), \"steps\": \(wl + clampedInt(r[0]) + clampedInt(r[1]))\(warm), "
                            + "\"decay\": \(clampedInt(r[1])), \"shape\": \"\(shape)\"\(f)}",
                          rampWords + "stable for \(clampedInt(r[0])) updates, then \(shape) decay to \(format(r[2])) over \(clampedInt(r[1])) updates")
                })
              }
            }
          }
        }
        // Exponential (per update) from the first decaying point, and inverse square root.
        if let (k, v) = decaying.first, k > pts[lastPeak].0, v > 0 {
          let rate = Foundation.pow(v / peak, 1 / Double(k - pts[lastPeak].0))
          let begin = Double(max(0, pts[lastPeak].0 - origin))
          if rate > 0, rate < 1 {
            out.append(family(w, [rate, begin], [false, true]) { lr, _, key, words, r in
              let b = clampedInt(r[1]) > 0 ? ", \"begin\": \(clampedInt(r[1]))" : ""
              return ("{\"type\": \"exponential\", \"lr\": \(number(lr)), \"rate\": \(number(r[0]))\(b)\(key)}",
                      words + "exponential decay by \(format(r[0])) per update")
            })
          }
          // lr / √((k + τ − W) / τ): τ = (k − W) / ((peak / v)² − 1).
          let taus = decaying.compactMap { k, v -> Double? in
            let q = (peak / v) * (peak / v) - 1
            return q > 0 && v > 0 ? Double(k - origin) / q : nil
          }.sorted()
          if w.start == 0, !taus.isEmpty {
            let tau = max(1, taus[taus.count / 2])
            out.append(Candidate(params: [peak, Double(origin), tau], integer: [false, true, false]) { p in
              let wl = max(0, clampedInt(p[1]))
              return ("{\"type\": \"inverse_sqrt\", \"lr\": \(number(p[0])), \"warmup\": \(wl), \"timescale\": \(number(max(p[2], 1e-9)))}",
                      (wl > 0 ? "linear warmup (\(wl) updates) then " : "") + "inverse square root (timescale \(format(p[2])))")
            })
          }
        }
      }
    }
    // Piecewise constant: a step decay, or any sequence of constant levels (an lr jump).
    var levels: [(step: Int, value: Double)] = []
    for (k, v) in pts where levels.isEmpty || abs(v - levels.last!.value) > 1e-6 * peak {
      levels.append((k, v))
    }
    if levels.count >= 2, levels.count <= max(3, pts.count / 2) {
      let milestones = levels.dropFirst().map(\.step)
      let list = milestones.map(String.init).joined(separator: ", ")
      let gammas = zip(levels, levels.dropFirst()).map { $1.value / $0.value }
      if gammas.allSatisfy({ abs($0 - gammas[0]) <= 1e-4 * gammas[0] }) {
        let gamma = gammas[0]
        let gaps = Set(zip([0] + milestones, milestones).map { $1 - $0 })
        if gaps.count == 1, let size = gaps.first {
          out.append(Candidate(spec: "{\"type\": \"step\", \"lr\": \(number(levels[0].value)), \"step_size\": \(size), \"gamma\": \(number(gamma))}",
                               summary: "the lr times \(format(gamma)) every \(size) updates"))
        }
        out.append(Candidate(
          spec: "{\"type\": \"multistep\", \"lr\": \(number(levels[0].value)), \"milestones\": [\(list)], \"gamma\": \(number(gamma))}",
          summary: "the lr times \(format(gamma)) at update(s) \(list)"))
      }
      if levels.count <= 6 {
      let children = levels.map { "{\"type\": \"constant\", \"lr\": \(number($0.value))}" }.joined(separator: ", ")
      out.append(Candidate(
        spec: "{\"type\": \"sequence\", \"schedules\": [\(children)], \"milestones\": [\(list)]}",
        summary: "constant levels " + levels.map { format($0.value) }.joined(separator: " → ") + " changing at updates \(list)"))
      }
    }
    // One-cycle (PyTorch's OneCycleLR): from peak / div up to the peak, then down to
    // peak / div / final_div; cosine or linear anneal, two or three phases.
    if firstPeak > 0 {
      let up = pts[firstPeak].0
      let total = Double(lastStep + 1)
      let div = v0 > 0 && k0 == 0 ? peak / v0 : 25
      let last = pts[pts.count - 1].1
      let finalDiv = last > 0 ? max(1, peak / div / last) : 1e4
      for anneal in ["cos", "linear"] {
        for threePhase in [false, true] {
          out.append(Candidate(params: [peak, total, Double(up + 1) / total, div, finalDiv],
                               integer: [false, true, false, false, false]) { p in
            let t = max(2, clampedInt(p[1]))
            let pct = min(max(p[2], 0.01), threePhase ? 0.49 : 0.99)
            return ("{\"type\": \"onecycle\", \"lr\": \(number(p[0])), \"steps\": \(t), \"pct_start\": \(number(pct)), "
                      + "\"div_factor\": \(number(max(p[3], 1))), \"final_div_factor\": \(number(max(p[4], 1))), "
                      + "\"anneal\": \"\(anneal)\"\(threePhase ? ", \"three_phase\": true" : ""), \"momentum\": false}",
                    "one-cycle (\(anneal)\(threePhase ? ", three phases" : "")) over \(t) updates")
          })
        }
      }
    }
    // Periodic cosine (PyTorch's CosineAnnealingLR run past T_max): down to the floor at T and
    // back up, as a cosine over several half waves.
    if let bottom = pts.firstIndex(where: { abs($0.1 - floorValue) <= 1e-6 * peak }), bottom < pts.count - 2,
      pts[pts.count - 1].1 > floorValue + 1e-3 * peak, pts[bottom].0 > 0
    {
      let t = pts[bottom].0
      let waves = Double((lastStep + t) / t + 1)
      out.append(Candidate(params: [peak, Double(t), floorValue], integer: [false, true, false]) { p in
        let t = max(1, clampedInt(p[1]))
        let f = p[2] > 0 ? ", \"floor\": \(number(p[2]))" : ""
        let (steps, overflow) = t.multipliedReportingOverflow(by: Int(waves))
        return ("{\"type\": \"cosine\", \"lr\": \(number(p[0])), \"steps\": \(overflow ? Int.max : steps), \"half_waves\": \(Int(waves))\(f)}",
                "periodic cosine between \(format(p[0])) and \(format(p[2])), a half wave every \(t) updates")
      })
    }
    return out
  }
}
