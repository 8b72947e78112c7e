import Foundation

/// An independent reference of the native spec vocabulary, written from the README's table and
/// its "keys every native spec takes" and "lengths" rules — not from LRKit's sources — in plain
/// double-precision Swift over a dictionary spec. It is deliberately naive (no precomputed
/// tables, no bulk paths), so that agreeing with it means LRKit does what its README says.
enum NativeReference {
  typealias Spec = [String: Any]

  struct Unsupported: Error {}

  static func number(_ spec: Spec, _ key: String, _ fallback: Double? = nil) -> Double? {
    if let v = spec[key] as? Double { return v }
    if let v = spec[key] as? Int { return Double(v) }
    return fallback
  }

  /// The README's length rule: whole numbers are counts, (0, 1) is a fraction of `steps`
  /// rounded half up.
  static func length(_ value: Any?, steps: Int?) -> Int? {
    guard let value else { return nil }
    let x: Double
    if let i = value as? Int { x = Double(i) } else if let d = value as? Double { x = d } else { return nil }
    if x > 0 && x < 1 { return Int((x * Double(steps!) + 0.5).rounded(.down)) }
    return Int(x)
  }

  /// The learning rates of updates `0..<n`.
  static func curve(_ spec: Spec, _ n: Int) -> [Double] {
    let steps = spec["steps"] as? Int
    // Shared keys.
    var W = 0
    var start = 0.0
    var shape = "linear"
    var placement = "prefix"
    if let w = spec["warmup"] as? Spec {
      W = length(w["steps"], steps: steps) ?? 0
      start = number(w, "start", 0)!
      shape = w["shape"] as? String ?? "linear"
      placement = w["placement"] as? String ?? "prefix"
    } else if spec["warmup"] != nil {
      W = length(spec["warmup"], steps: steps)!
    }
    let type = spec["type"] as! String
    let ownWarmup = ["noam", "inverse_sqrt", "wsd"].contains(type)
    // The family's length T: steps less a prefix warmup ramp.
    var T = steps
    if let s = steps, !ownWarmup, placement == "prefix" { T = max(s - W, 1) }
    let family = { (k: Int) -> Double in familyValue(type, spec, k, T: T, steps: steps, W: W) }
    func ramp(_ x: Double) -> Double {
      switch shape {
      case "cosine": return (1 - cos(Double.pi * x)) / 2
      case "1-sqrt": return 1 - (1 - x).squareRoot()
      default: return x
      }
    }
    let scale = number(spec, "scale", 1)!
    let clamp = spec["clamp"] as? [Double]
    return (0..<n).map { k in
      var v: Double
      if ownWarmup || W == 0 {
        v = family(k)
      } else if placement == "prefix" {
        v = k < W ? start + (family(0) - start) * ramp(Double(k) / Double(W)) : family(k - W)
      } else {
        v = k < W ? start + (family(W) - start) * ramp(Double(k) / Double(W)) : family(k)
      }
      v = scale * v
      if let clamp { v = min(max(v, clamp[0]), clamp[1]) }
      return v
    }
  }

  static func floorValue(_ spec: Spec, lr: Double) -> Double {
    if let r = number(spec, "floor_ratio") { return lr * r }
    return number(spec, "floor", 0)!
  }

  static func familyValue(_ type: String, _ s: Spec, _ k: Int, T: Int?, steps: Int?, W: Int) -> Double {
    let lr = number(s, "lr") ?? 0
    switch type {
    case "constant":
      return lr
    case "step":
      return lr * pow(number(s, "gamma", 0.1)!, Double(k / length(s["step_size"], steps: steps)!))
    case "multistep":
      let ms = (s["milestones"] as! [Any]).map { length($0, steps: steps)! }
      return lr * pow(number(s, "gamma", 0.1)!, Double(ms.filter { $0 <= k }.count))
    case "exponential":
      let d = k - (length(s["begin"], steps: steps) ?? 0)
      if d <= 0 { return lr }
      let rate = number(s, "rate")!
      var p = Double(d) / Double(length(s["period"], steps: steps) ?? 1)
      if (s["staircase"] as? Bool) == true { p = p.rounded(.down) }
      var v = lr * pow(rate, p)
      if let f = number(s, "floor") { v = rate < 1 ? max(v, f) : min(v, f) }
      return v
    case "inverse_time":
      var p = Double(k) / Double(length(s["period"], steps: steps) ?? 1)
      if (s["staircase"] as? Bool) == true { p = p.rounded(.down) }
      return lr / (1 + number(s, "rate")! * p)
    case "inverse_sqrt":
      let tau = Double(length(s["timescale"], steps: steps) ?? (W > 0 ? W : 10_000))
      if k < W { return lr * Double(k) / Double(W) }
      return lr / ((Double(k) + tau - Double(W)) / tau).squareRoot()
    case "noam":
      let n = Double(max(k, 1))
      return pow(number(s, "d_model")!, -0.5) * min(pow(n, -0.5), n * pow(Double(W), -1.5))
    case "polynomial":
      let end = number(s, "end", 0)!
      let power = number(s, "power", 1)!
      var horizon = Double(T!)
      var x = Double(min(k, T!))
      if (s["cycle"] as? Bool) == true {
        x = Double(k)
        horizon = Double(T!) * max(1, (Double(k) / Double(T!)).rounded(.up))
      }
      return (lr - end) * pow(1 - x / horizon, power) + end
    case "linear":
      let end = number(s, "end", 0)!
      return lr + (end - lr) * Double(min(k, T!)) / Double(T!)
    case "cosine":
      let f = floorValue(s, lr: lr)
      let c = 0.5 * (1 + cos(Double.pi * number(s, "half_waves", 1)! * Double(min(k, T!)) / Double(T!)))
      return f + (lr - f) * pow(c, number(s, "exponent", 1)!)
    case "restarts":
      let f = floorValue(s, lr: lr)
      let period = Double(length(s["period"], steps: steps)!)
      let m = number(s, "multiplier", 1)!
      var cycleStart = 0.0
      var cycleLength = period
      var i = 0
      while Double(k) >= cycleStart + cycleLength {
        cycleStart += cycleLength
        cycleLength *= m
        i += 1
      }
      if let cycles = s["cycles"] as? Int, i >= cycles { return f }
      let peak = lr * pow(number(s, "decay", 1)!, Double(i))
      return f + (peak - f) * 0.5 * (1 + cos(Double.pi * (Double(k) - cycleStart) / cycleLength))
    case "onecycle":
      let t = Double(T!)
      let pct = number(s, "pct_start", 0.3)!
      let initial = lr / number(s, "div_factor", 25)!
      let minimum = initial / number(s, "final_div_factor", 1e4)!
      let cosine = (s["anneal"] as? String ?? "cos") == "cos"
      func anneal(_ a: Double, _ b: Double, _ x: Double) -> Double {
        cosine ? b + (a - b) / 2 * (cos(Double.pi * x) + 1) : a + (b - a) * x
      }
      var phases: [(end: Double, from: Double, to: Double)] = [(pct * t - 1, initial, lr), (t - 1, lr, minimum)]
      if (s["three_phase"] as? Bool) == true {
        phases = [(pct * t - 1, initial, lr), (2 * pct * t - 2, lr, initial), (t - 1, initial, minimum)]
      }
      let x = Double(min(k, T! - 1))
      var begin = 0.0
      for (i, p) in phases.enumerated() {
        if x <= p.end || i == phases.count - 1 { return anneal(p.from, p.to, (x - begin) / (p.end - begin)) }
        begin = p.end
      }
      return minimum
    case "cyclic":
      let up = Double(length(s["up"], steps: steps) ?? 2000)
      let down = Double(length(s["down"], steps: steps) ?? Int(up))
      let top = number(s, "max_lr")!
      let total = up + down
      let cycle = (1 + Double(k) / total).rounded(.down)
      let x = 1 + Double(k) / total - cycle
      let ratio = up / total
      let position = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
      var amplitude = 1.0
      switch s["mode"] as? String ?? "triangular" {
      case "triangular2": amplitude = 1 / pow(2, cycle - 1)
      case "exp_range": amplitude = pow(number(s, "gamma", 1)!, Double(k))
      default: break
      }
      return lr + (top - lr) * position * amplitude
    case "wsd":
      let f = floorValue(s, lr: lr)
      var start = number(s, "start", 0)!
      var rampShape = "linear"
      if let w = s["warmup"] as? Spec {
        start = number(w, "start") ?? start
        rampShape = w["shape"] as? String ?? "linear"
      }
      let D = length(s["decay"], steps: steps)!
      let S = length(s["stable"], steps: steps) ?? (steps! - W - D)
      if k < W {
        let x = Double(k) / Double(W)
        let r = rampShape == "cosine" ? (1 - cos(Double.pi * x)) / 2 : rampShape == "1-sqrt" ? 1 - (1 - x).squareRoot() : x
        return start + (lr - start) * r
      }
      if k < W + S { return lr }
      if k >= W + S + D { return f }
      let p = Double(k - W - S) / Double(D)
      switch s["shape"] as? String ?? "1-sqrt" {
      case "linear": return f + (lr - f) * (1 - p)
      case "cosine": return f + (lr - f) * 0.5 * (1 + cos(Double.pi * p))
      case "exponential": return lr * pow(f / lr, p)
      default: return f + (lr - f) * (1 - p.squareRoot())
      }
    case "tanh":
      let f = number(s, "floor", 0)!
      let r = Double(min(k, T!)) / Double(T!)
      let lower = number(s, "lower", -7)!
      let upper = number(s, "upper", 3)!
      return f + 0.5 * (lr - f) * (1 - tanh(lower * (1 - r) + upper * r))
    default:
      fatalError("no reference for \(type)")
    }
  }
}
