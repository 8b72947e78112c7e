import LRSchedules
import PropertyBased
import Testing

@Suite("Schedule invariants")
struct PropertyTests {
  @Test("cosine stays within [floor, lr] and never rises")
  func cosineBounds() async {
    await propertyCheck(input: Gen.int(in: 1...5000), Gen.double(in: 1e-6...1), Gen.double(in: 0...0.9)) { steps, lr, ratio in
      let s = CosineAnnealing<Double>(lr: lr, floor: lr * ratio, steps: steps)
      var previous = Double.infinity
      for k in stride(from: 0, through: steps + 3, by: max(1, steps / 97)) {
        let v = s.value(at: k)
        #expect(v <= lr * (1 + 1e-15) && v >= lr * ratio * (1 - 1e-15))
        #expect(v <= previous * (1 + 1e-15))
        previous = v
      }
    }
  }

  @Test("warmup-stable-decay: monotone phases and continuity at the joins")
  func wsdPhases() async {
    await propertyCheck(input: Gen.int(in: 1...200), Gen.int(in: 0...400), Gen.int(in: 1...200)) { w, stable, d in
      for shape in WarmupStableDecay<Double>.DecayShape.allCases {
        let s = WarmupStableDecay<Double>(lr: 1, warmup: w, stable: stable, decay: d, floor: 0.01, shape: shape)
        for k in 1..<w { #expect(s.value(at: k) > s.value(at: k - 1)) }
        for k in (w + stable + 1)..<(w + stable + d) { #expect(s.value(at: k) < s.value(at: k - 1)) }
        // The ramp's last step is one step short of the peak; the decay's first step is the peak.
        #expect(abs(s.value(at: w) - 1) < 1e-15)
        #expect(abs(s.value(at: w + stable) - 1) < 1e-12)
        #expect(s.value(at: w + stable + d) == 0.01)
      }
    }
  }

  @Test("overlapping warmup meets the decay without a jump")
  func warmupContinuity() async {
    await propertyCheck(input: Gen.int(in: 1...500), Gen.int(in: 600...5000)) { w, total in
      let base = CosineAnnealing<Double>(lr: 1, steps: total)
      let s = Warmup(base, steps: w, placement: .overlap)
      let jump = abs(s.value(at: w) - s.value(at: w - 1))
      #expect(jump <= 1.0 / Double(w) + 1e-12)
    }
  }

  @Test("one-cycle: lr within [min, peak], momentum within [base, max], peak at the phase end")
  func oneCycleBounds() async {
    await propertyCheck(input: Gen.int(in: 10...3000), Gen.double(in: 0.1...0.9)) { steps, pct in
      let s = OneCycle<Double>(lr: 1, steps: steps, pctStart: pct)
      for k in stride(from: 0, to: steps + 5, by: max(1, steps / 50)) {
        let v = s.value(at: k)
        #expect(v >= s.minimum * (1 - 1e-12) && v <= 1 + 1e-12)
        let m = s.momentum(at: k)
        #expect(m >= 0.85 - 1e-12 && m <= 0.95 + 1e-12)
      }
    }
  }

  @Test("warm restarts: every cycle starts at its (decayed) peak")
  func restartPeaks() async {
    await propertyCheck(input: Gen.int(in: 1...50), Gen.int(in: 1...4)) { t0, m in
      let s = WarmRestarts<Double>(lr: 1, period: t0, multiplier: Double(m))
      var start = 0
      var length = t0
      for i in 0..<6 {
        #expect(s.cycle(at: start).index == i)
        #expect(s.value(at: start) == 1)
        if start > 0 { #expect(s.cycle(at: start - 1).index == i - 1) }
        start += length
        length *= m
      }
    }
  }

  @Test("the HF step accounting: warmup never exceeds max_steps for ratios below 1")
  func stepAccounting() async {
    await propertyCheck(input: Gen.int(in: 1...100_000), Gen.int(in: 1...64), Gen.int(in: 1...8), Gen.double(in: 0...0.99)) { n, b, p, ratio in
      let r: TrainerSteps.Result
      do {
        r = try TrainerSteps(numSamples: n, perDeviceBatchSize: b, worldSize: p, warmupSteps: ratio).resolve()
      } catch {
        Issue.record("valid inputs refused: \(error)")
        return
      }
      #expect(r.warmupSteps <= r.maxSteps)
      #expect(r.updatesPerEpoch >= 1)
      #expect(r.maxSteps == 3 * r.updatesPerEpoch)
    }
  }
}
