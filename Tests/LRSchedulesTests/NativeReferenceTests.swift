import Foundation
import LRSchedules
import Testing

/// Every native family × every shared key (warmup as a count, a fraction and an object with
/// each shape, start and placement; scale; clamp; precision; fractional lengths), drawn at
/// random — a new seed each run, printed with any failure — and checked against
/// ``NativeReference``, which is written from the README.
@Suite("Native vocabulary against its documentation")
struct NativeReferenceTests {
  struct Draw {
    var seed: UInt64
    var rng: SplitMix

    init() {
      seed = UInt64.random(in: 0...UInt64.max)
      if let fixed = ProcessInfo.processInfo.environment["LRKIT_REFERENCE_SEED"], let s = UInt64(fixed) { seed = s }
      rng = SplitMix(seed: seed)
    }

    mutating func double(_ lo: Double, _ hi: Double) -> Double {
      let x = lo + (hi - lo) * Double(rng.next() >> 11) / Double(1 << 53)
      return Double(String(format: "%.4g", x))!
    }
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
    mutating func bool(_ p: Double = 0.5) -> Bool { Double(rng.next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0, items.count - 1)] }

    /// A length for a key: usually a count, sometimes a fraction of `steps`.
    mutating func length(_ lo: Int, _ hi: Int, steps: Int?) -> Any {
      if let steps, bool(0.35) {
        // A fraction whose rounded count is within [lo, hi].
        let target = int(lo, hi)
        let f = (Double(target) + double(-0.4, 0.4)) / Double(steps)
        if f > 0 && f < 1 { return Double(String(format: "%.6g", f))! }
      }
      return int(lo, hi)
    }
  }

  struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let families = ["constant", "step", "multistep", "exponential", "inverse_time", "inverse_sqrt",
                         "noam", "polynomial", "linear", "cosine", "restarts", "onecycle", "cyclic",
                         "wsd", "tanh"]

  /// A random valid spec of `type` with random shared keys.
  static func randomSpec(_ type: String, _ d: inout Draw) -> [String: Any] {
    var s: [String: Any] = ["type": type]
    let needsSteps = ["polynomial", "linear", "cosine", "onecycle", "tanh", "wsd"].contains(type)
    let steps: Int? = needsSteps || d.bool(0.6) ? d.int(20, 300) : nil
    if let steps { s["steps"] = steps }
    let lr = d.double(1e-4, 1)
    if type != "noam" { s["lr"] = lr }
    // Warmup.
    var W = 0
    let own = ["noam", "inverse_sqrt", "wsd"].contains(type)
    if type == "noam" || d.bool(0.6) {
      let maxW = steps.map { max(1, $0 / 3) } ?? 50
      let w = d.length(1, maxW, steps: steps)
      W = NativeReference.length(w, steps: steps)!
      if !own && d.bool(0.5) || type == "wsd" && d.bool(0.5) {
        var o: [String: Any] = ["steps": w]
        if d.bool(0.5) { o["start"] = d.double(0, lr) }
        if d.bool(0.5) { o["shape"] = d.pick(["linear", "cosine", "1-sqrt"]) }
        if !own && d.bool(0.4) { o["placement"] = d.pick(["prefix", "overlap"]) }
        s["warmup"] = o
      } else if own && type != "wsd" && d.bool(0.3) {
        s["warmup"] = ["steps": w]
      } else {
        s["warmup"] = w
      }
    }
    let span = steps.map { max($0 - W, 1) }
    switch type {
    case "step":
      s["step_size"] = d.length(1, 40, steps: steps)
      if d.bool() { s["gamma"] = d.double(0.1, 0.99) }
    case "multistep":
      s["milestones"] = (0..<d.int(0, 4)).map { _ in d.length(0, 200, steps: steps) }
      if d.bool() { s["gamma"] = d.double(0.1, 0.99) }
    case "exponential":
      s["rate"] = d.double(0.5, 1.2)
      if d.bool() { s["period"] = d.length(1, 30, steps: steps) }
      if d.bool(0.3) { s["begin"] = d.length(0, 30, steps: steps) }
      if d.bool(0.3) { s["staircase"] = true }
      if d.bool(0.3) { s["floor"] = d.double(0, lr) }
    case "inverse_time":
      s["rate"] = d.double(0, 2)
      if d.bool() { s["period"] = d.length(1, 30, steps: steps) }
      if d.bool(0.3) { s["staircase"] = true }
    case "inverse_sqrt":
      if d.bool(0.5) { s["timescale"] = d.length(1, 500, steps: steps) }
    case "noam":
      s["d_model"] = d.pick([64, 128, 512, 100.5])
    case "polynomial":
      if d.bool() { s["end"] = d.double(0, lr) }
      if d.bool() { s["power"] = d.double(0.5, 3) }
      if d.bool(0.3) { s["cycle"] = true }
    case "linear":
      if d.bool() { s["end"] = d.double(0, 2 * lr) }
    case "cosine":
      if d.bool() { if d.bool() { s["floor"] = d.double(0, lr) } else { s["floor_ratio"] = d.double(0, 1) } }
      if d.bool(0.3) { s["half_waves"] = d.double(0.5, 3) }
      if d.bool(0.3) { s["exponent"] = d.double(0.5, 3) }
    case "restarts":
      s["period"] = d.length(1, 60, steps: steps)
      if d.bool() { s["multiplier"] = d.pick([1, 2, 3, 1.5]) }
      if d.bool() { s["decay"] = d.double(0.3, 1) }
      if d.bool(0.3) { s["cycles"] = d.int(1, 4) }
      if d.bool() { s["floor_ratio"] = d.double(0, 0.5) }
    case "onecycle":
      if span! < 2 { s["steps"] = W + 2 + d.int(0, 50) }
      let t = max((s["steps"] as! Int) - W, 2)
      s["pct_start"] = min(max(d.double(2.5 / Double(t), 0.9), 0.05), 0.9)
      if d.bool() { s["div_factor"] = d.double(2, 100) }
      if d.bool() { s["final_div_factor"] = d.double(10, 1e5) }
      if d.bool(0.3) { s["three_phase"] = true }
      if d.bool(0.3) { s["anneal"] = "linear" }
      if d.bool(0.3) { s["momentum"] = false }
    case "cyclic":
      s["max_lr"] = lr * d.double(1.5, 10)
      s["up"] = d.length(1, 40, steps: steps)
      if d.bool() { s["down"] = d.length(1, 40, steps: steps) }
      let mode = d.pick(["triangular", "triangular2", "exp_range"])
      s["mode"] = mode
      if mode == "exp_range" { s["gamma"] = d.double(0.95, 1) }
    case "wsd":
      let total = s["steps"] as! Int
      let decay = d.int(1, max(1, (total - W) / 2))
      s["decay"] = d.bool(0.3) ? Double(String(format: "%.6g", (Double(decay) + 0.2) / Double(total)))! : decay
      let shape = d.pick(["1-sqrt", "linear", "cosine", "exponential"])
      s["shape"] = shape
      if shape == "exponential" || d.bool() { s["floor"] = d.double(lr * 1e-3, lr * 0.5) }
      if d.bool(0.3), !(s["warmup"] is [String: Any]) { s["start"] = d.double(0, lr) }
      let D = NativeReference.length(s["decay"], steps: total)!
      if W + D > total { s["decay"] = max(1, total - W) }
    case "tanh":
      if d.bool() { s["floor"] = d.double(0, lr) }
      if d.bool(0.3) { s["lower"] = d.double(-9, -1) ; s["upper"] = d.double(0, 5) }
    default:
      break
    }
    if d.bool(0.3) { s["scale"] = d.double(0, 3) }
    if d.bool(0.3) {
      let a = d.double(0, lr)
      s["clamp"] = [a, a + d.double(0, lr)]
    }
    if d.bool(0.3) { s["precision"] = "float32" }
    return s
  }

  static func json(_ value: Any) -> String {
    let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  @Test("random specs of every family and decoration follow the documented formulas")
  func againstReference() throws {
    var d = Draw()
    var checked = 0
    for _ in 0..<40 {
      for type in Self.families {
        let spec = Self.randomSpec(type, &d)
        let text = Self.json(spec)
        let n = (spec["steps"] as? Int).map { $0 + 20 } ?? 150
        let decoded: DecodedSchedule
        do {
          decoded = try ScheduleSpec.decode(text: text)
        } catch {
          Issue.record("refused (seed \(d.seed)): \(text): \(error)")
          continue
        }
        let ours = try decoded.curve(steps: n).lr
        let reference = NativeReference.curve(spec, n)
        let single = (spec["precision"] as? String) == "float32"
        let peak = reference.map(abs).max() ?? 0
        var (rel, abs) = single ? (2e-5, 2e-6) : (1e-9, 1e-12)
        // A cosine raised to an exponent p < 1 amplifies float32's absolute error in
        // (1 + cos) / 2, about 6e-8 near a trough, to about (6e-8)^p of the peak (seed
        // 4511735193727313956: p = 0.5158, 2.5e-6 of the peak at step 180 of 183).
        if single, let p = spec["exponent"] as? Double, p < 1 { abs = Swift.max(abs, 2 * Foundation.pow(6e-8, p)) }
        for k in 0..<n {
          let a = ours[k]
          let b = reference[k]
          if Swift.abs(a - b) > rel * Swift.abs(b) + abs * peak {
            Issue.record("seed \(d.seed): \(text) at step \(k): LRKit \(a), README \(b)")
            break
          }
        }
        checked += 1
      }
    }
    #expect(checked == 40 * Self.families.count)
  }

  @Test("the reference itself: spot values from the README's examples")
  func referenceSanity() {
    let noam = NativeReference.curve(["type": "noam", "d_model": 512, "warmup": 4000], 4001)
    #expect(Swift.abs(noam[4000] - 6.987712429686844e-4) < 1e-15)
    let cosine = NativeReference.curve(["type": "cosine", "lr": 3e-4, "steps": 10000, "warmup": 500, "floor_ratio": 0.1], 10000)
    #expect(Swift.abs(cosine[500] - 3e-4) < 1e-18)
    #expect(Swift.abs(cosine[9999] - 3e-5) < 1e-9)
  }
}
