import LRSchedules
import Testing

@Suite("Native schedules: known values")
struct NativeScheduleTests {
  @Test("Noam with d_model 512 and warmup 4000 peaks at 6.99e-4 on step 4000")
  func noam() {
    let s = NoamDecay<Double>(modelDimension: 512, warmup: 4000)
    let peak = (0..<20_000).map(s.value(at:)).enumerated().max { $0.element < $1.element }!
    #expect(peak.offset == 4000)
    #expect(abs(peak.element - 6.987712429686844e-4) < 1e-15)
    #expect(s.value(at: 0) == s.value(at: 1))
    #expect(abs(s.value(at: 16_000) - 512.0.squareRoot().reciprocal * 16_000.0.squareRoot().reciprocal) < 1e-18)
  }

  @Test("Hugging Face inverse sqrt equals lr at the end of warmup and halves at 4W")
  func inverseSqrt() {
    let s = InverseSquareRoot<Double>(lr: 1, warmup: 100)
    #expect(s.value(at: 0) == 0)
    #expect(s.value(at: 50) == 0.5)
    #expect(s.value(at: 100) == 1)
    #expect(abs(s.value(at: 400) - 0.5) < 1e-15)
  }

  @Test("cosine ends at its floor and holds it")
  func cosineFloor() {
    let s = CosineAnnealing<Double>(lr: 1, floor: 0.1, steps: 10)
    #expect(s.value(at: 0) == 1)
    #expect(abs(s.value(at: 5) - 0.55) < 1e-15)
    #expect(s.value(at: 10) == 0.1)
    #expect(s.value(at: 1000) == 0.1)
  }

  @Test("two half-waves come back to the peak")
  func halfWaves() {
    let s = CosineAnnealing<Double>(lr: 1, steps: 10, halfWaves: 2)
    #expect(abs(s.value(at: 5)) < 1e-15)
    #expect(abs(s.value(at: 10) - 1) < 1e-15)
  }

  @Test("warm restarts find cycle boundaries exactly, even where a floating log misses")
  func restartBoundaries() {
    // T0 = 1, m = 3: cycles start at 0, 1, 4, 13, 40, 121, 364.
    let s = WarmRestarts<Double>(lr: 1, period: 1, multiplier: 3)
    for start in [0, 1, 4, 13, 40, 121, 364] {
      #expect(s.value(at: start) == 1, "restart at \(start)")
      #expect(s.cycle(at: start).offset == 0)
    }
    #expect(s.cycle(at: 120).index == 4)
    // Fractional multiplier: lengths 10, 15, 22.5: cycle 2 starts at 25.
    let f = WarmRestarts<Double>(lr: 1, period: 10, multiplier: 1.5)
    #expect(f.cycle(at: 24).index == 1)
    #expect(f.cycle(at: 25).index == 2)
    #expect(f.value(at: 25) == 1)
  }

  @Test("peak decay and cycle limit")
  func restartDecay() {
    let s = WarmRestarts<Double>(lr: 1, floor: 0.01, period: 4, peakDecay: 0.5, cycleLimit: 2)
    #expect(s.value(at: 0) == 1)
    #expect(s.value(at: 4) == 0.5)
    #expect(s.value(at: 8) == 0.01)
  }

  @Test("warmup-stable-decay phases")
  func wsd() {
    let s = WarmupStableDecay<Double>(lr: 1, warmup: 10, stable: 80, decay: 10, floor: 0.1, shape: .linear)
    #expect(s.value(at: 0) == 0)
    #expect(s.value(at: 5) == 0.5)
    #expect(s.value(at: 10) == 1)
    #expect(s.value(at: 89) == 1)
    #expect(abs(s.value(at: 95) - 0.55) < 1e-15)
    #expect(s.value(at: 100) == 0.1)
    let sqrt = WarmupStableDecay<Double>(lr: 1, warmup: 0, stable: 0, decay: 4, shape: .sqrt)
    #expect(sqrt.value(at: 1) == 0.5)
    let exp = WarmupStableDecay<Double>(lr: 1, warmup: 0, stable: 0, decay: 2, floor: 0.01, shape: .exponential)
    #expect(abs(exp.value(at: 1) - 0.1) < 1e-15)
  }

  @Test("one-cycle: start, peak, minimum and inverse momentum")
  func oneCycle() {
    let s = OneCycle<Double>(lr: 1, steps: 100, pctStart: 0.3)
    #expect(abs(s.value(at: 0) - 0.04) < 1e-15)
    #expect(s.value(at: 29) == 1)
    #expect(abs(s.value(at: 99) - 4e-6) < 1e-18)
    #expect(abs(s.value(at: 500) - 4e-6) < 1e-18)
    #expect(s.momentum(at: 0) == 0.95)
    #expect(s.momentum(at: 29) == 0.85)
    #expect(abs(s.momentum(at: 99) - 0.95) < 1e-15)
    let three = OneCycle<Double>(lr: 1, steps: 100, threePhase: true, anneal: .linear)
    #expect(abs(three.value(at: 58) - 0.04) < 1e-15)
  }

  @Test("cyclic modes")
  func cyclic() {
    let tri2 = Cyclic<Double>(lr: 0.01, maxLR: 0.1, up: 2, down: 3, mode: .triangular2)
    let values = (5..<10).map(tri2.value(at:))
    for (a, b) in zip(values, [0.01, 0.0325, 0.055, 0.04, 0.025]) { #expect(abs(a - b) < 1e-15) }
    let exp = Cyclic<Double>(lr: 0.01, maxLR: 0.1, up: 2, down: 3, mode: .exponentialRange, gamma: 0.9)
    #expect(abs(exp.value(at: 2) - 0.0829) < 1e-15)
  }

  @Test("exponential decay: staircase, begin and floor")
  func exponential() {
    let s = ExponentialDecay<Double>(lr: 1, rate: 0.5, period: 2, begin: 3, staircase: true, bound: 0.2)
    let expected: [Double] = [1, 1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]
    #expect((0..<11).map(s.value(at:)) == expected)
  }

  @Test("polynomial cycling stretches the horizon (Keras semantics)")
  func polynomialCycle() {
    let s = PolynomialDecay<Double>(lr: 1, end: 0, steps: 4, cycle: true)
    let expected = [1, 0.75, 0.5, 0.25, 0, 0.375, 0.25, 0.125, 0, 0.25]
    for (k, v) in expected.enumerated() { #expect(abs(s.value(at: k) - v) < 1e-15) }
  }

  @Test("inverse time and tanh")
  func inverseTimeAndTanh() {
    #expect(InverseTimeDecay<Double>(lr: 1, rate: 1, period: 10).value(at: 10) == 0.5)
    let t = TanhDecay<Double>(lr: 1, steps: 10)
    #expect(abs(t.value(at: 0) - 0.5 * (1 - Double.tanh(-7))) < 1e-15)
    #expect(t.value(at: 10) < 0.01)
  }

  @Test("multistep decays at the milestone and stacks repeats")
  func multistep() {
    let s = MultiStepDecay<Double>(lr: 0.1, milestones: [2, 2, 4])
    let values = (0..<5).map(s.value(at:))
    for (a, b) in zip(values, [0.1, 0.1, 0.001, 0.001, 0.0001]) { #expect(abs(a - b) < 1e-17) }
  }

  @Test("warmup placements: prefix shifts the base, overlap meets it")
  func warmupPlacements() {
    let cosine = CosineAnnealing<Double>(lr: 1, steps: 100)
    let prefix = Warmup(cosine, steps: 10)
    #expect(prefix.value(at: 5) == 0.5)
    #expect(prefix.value(at: 10) == 1)
    #expect(prefix.value(at: 60) == cosine.value(at: 50))
    let overlap = Warmup(cosine, steps: 10, start: 0.1, placement: .overlap)
    #expect(overlap.value(at: 0) == 0.1)
    #expect(overlap.value(at: 10) == cosine.value(at: 10))
    #expect(abs(overlap.value(at: 9) - cosine.value(at: 10)) < 0.1)
  }

  @Test("Float evaluation follows the same formula in float32")
  func floatPrecision() {
    let d = CosineAnnealing<Double>(lr: 0.1, steps: 1000)
    let f = CosineAnnealing<Float>(lr: 0.1, steps: 1000)
    for k in stride(from: 0, to: 1000, by: 37) {
      let a = d.value(at: k)
      let b = Double(f.value(at: k))
      #expect(abs(a - b) <= 1e-6 * 0.1)
    }
    // and it really is float32 arithmetic, not Double rounded at the end.
    #expect((0..<1000).contains { Double(f.value(at: $0)) != Double(Float(d.value(at: $0))) })
  }

  @Test("combinators: sequence, product, scale, clamp, closure")
  func combinators() {
    let seq = SequenceSchedule<Double>([Constant(lr: 1), LinearDecay(lr: 1, end: 0, steps: 4)], milestones: [3])
    #expect((0..<8).map(seq.value(at:)) == [1, 1, 1, 1, 0.75, 0.5, 0.25, 0])
    let product = ProductSchedule<Double>([Constant(lr: 0.5), StepDecay(lr: 1, stepSize: 2, gamma: 0.5)])
    #expect(product.value(at: 2) == 0.25)
    #expect(Scaled(Constant<Double>(lr: 2), by: 3).value(at: 7) == 6)
    #expect(Clamped(LinearDecay<Double>(lr: 1, end: 0, steps: 10), lower: 0.3).value(at: 9) == 0.3)
    #expect(ClosureSchedule<Double> { Double($0) / 10 }.value(at: 5) == 0.5)
  }

  @Test("bulk evaluation matches point evaluation")
  func bulkPath() {
    let schedules: [any LearningRateSchedule<Double>] = [
      CosineAnnealing(lr: 0.3, floor: 0.01, steps: 10_000),
      Warmup(CosineAnnealing(lr: 1, steps: 5000), steps: 300),
      LinearDecay(lr: 1, end: 0.5, steps: 700),
      SequenceSchedule([Constant(lr: 1), CosineAnnealing(lr: 1, steps: 100)], milestones: [50]),
    ]
    for s in schedules {
      let bulk = s.values(in: 0..<12_000)
      for k in stride(from: 0, to: 12_000, by: 7) {
        #expect(abs(bulk[k] - s.value(at: k)) <= 4e-16 * 1.0 + 1e-15 * abs(s.value(at: k)))
      }
    }
  }

  @Test("parallel bulk evaluation gives the same curve")
  func parallelBulk() async {
    let s = Warmup(CosineAnnealing<Double>(lr: 1, steps: 100_000), steps: 1000)
    let serial = s.values(in: 0..<101_000)
    let parallel = await s.values(in: 0..<101_000, parts: 4)
    let worst = zip(serial, parallel).map { abs($0 - $1) }.max() ?? 0
    #expect(parallel.count == serial.count)
    #expect(worst <= 1e-15)
  }
}

extension Double {
  var reciprocal: Double { 1 / self }
}
