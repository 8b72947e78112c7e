import CKernels
import Foundation
import LRTraining
import Testing

/// The C kernels against plain double-precision references, on shapes that reach every edge
/// of the blocking (rows not a multiple of 6, columns not a multiple of 16, k over one block).
@Suite("Kernels against double-precision references")
struct KernelTests {
  func random(_ n: Int, _ rng: inout SplitMix64) -> [Float] { (0..<n).map { _ in rng.normal() } }

  @Test("GEMM: every transpose combination, edge tiles, k over one block, accumulate",
        arguments: [(false, false), (true, false), (false, true), (true, true)])
  func gemm(_ trans: (Bool, Bool)) {
    let (transA, transB) = trans
    var rng = SplitMix64(seed: 42)
    for (m, n, k) in [(13, 37, 300), (6, 16, 1), (1, 1, 7), (64, 65, 128), (50, 8, 513)] {
      let a = random(m * k, &rng)
      let b = random(k * n, &rng)
      let c0 = random(m * n, &rng)
      let lda = transA ? m : k
      let ldb = transB ? k : n
      for accumulate in [false, true] {
        var c = c0
        a.withUnsafeBufferPointer { ap in
          b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
              GEMM.multiply(ap.baseAddress!, transA: transA, lda: lda, bp.baseAddress!, transB: transB, ldb: ldb,
                            into: cp.baseAddress!, ldc: n, m: m, n: n, k: k, accumulate: accumulate, threads: 1)
            }
          }
        }
        var worst = 0.0
        for i in 0..<m {
          for j in 0..<n {
            var sum = accumulate ? Double(c0[i * n + j]) : 0
            var scale = 1.0
            for p in 0..<k {
              let x = Double(transA ? a[p * lda + i] : a[i * lda + p])
              let y = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
              sum += x * y
              scale += abs(x * y)
            }
            worst = max(worst, abs(Double(c[i * n + j]) - sum) / scale)
          }
        }
        #expect(worst < 1e-6, "m \(m) n \(n) k \(k) accumulate \(accumulate): worst \(worst)")
      }
    }
  }

  @Test("LRKIT_ISA=portable selects the portable kernels, LRKIT_ISA=avx2 the AVX2 matrix kernel (how CI tests them)")
  func isaSwitch() {
    let cpuHasAVX2: Bool = {
      #if os(Linux) && arch(x86_64)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return cpu.contains(" avx2") && cpu.contains(" fma")
      #else
        return false
      #endif
    }()
    if ProcessInfo.processInfo.environment["LRKIT_ISA"] == "portable" {
      #expect(GEMM.backend == "lrkit-portable" || GEMM.backend == "openblas")
    } else if ProcessInfo.processInfo.environment["LRKIT_ISA"] == "avx2" {
      #expect(!GEMM.usesAVX512)
      #expect(GEMM.backend == "openblas" || GEMM.backend == (cpuHasAVX2 ? "lrkit-avx2" : "lrkit-portable"))
    } else {
      #if os(Linux) && arch(x86_64)
        // The AVX2 kernels (or the AVX-512 matrix kernel) run exactly when the CPU has AVX2 and FMA.
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let capable = cpu.contains(" avx2") && cpu.contains(" fma")
        let fast = GEMM.backend == "lrkit-avx2" || GEMM.backend == "lrkit-avx512"
        #expect(GEMM.backend == "openblas" || fast == capable)
      #endif
    }
  }

  @Test("GELU forward and backward: the AVX-512 path gives the AVX2 path's bits, and the kept slope gives Φ's, special values included")
  func geluWideVectorsSameBits() {
    var rng = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
    let n = 40_000 + 13
    var x = (0..<n).map { i -> Float in
      switch i % 4 {
      case 0: Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))  // any float: NaN, ±inf, subnormal
      case 1: rng.normal() * 30
      default: rng.normal() * 3
      }
    }
    let specials: [Float] = [0, -0, .infinity, -.infinity, .nan, 87.3, -87.3, 88, -88, 13.2, -13.2, .leastNonzeroMagnitude * 1000, -.leastNonzeroMagnitude * 1000,
                             .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude]
    x.replaceSubrange(0..<specials.count, with: specials)
    let dy = (0..<n).map { _ in rng.normal() }
    let seedDx = (0..<n).map { _ in rng.normal() }
    let wide = Kernels.geluUsesAVX512
    defer { Kernels.geluUsesAVX512 = wide }
    func run(_ wideVectors: Bool) -> [[UInt32]] {
      Kernels.geluUsesAVX512 = wideVectors
      var y = [Float](repeating: 0, count: n), cdf = y, yNoCdf = y
      Kernels.gelu(x, &y, count: n, cdf: &cdf)
      Kernels.gelu(x, &yNoCdf, count: n)
      var dxWritten = seedDx, dxAdded = seedDx, dxRecomputed = seedDx
      Kernels.geluBackward(x, dy, &dxWritten, count: n, cdf: cdf, accumulate: false)
      Kernels.geluBackward(x, dy, &dxAdded, count: n, cdf: cdf, accumulate: true)
      Kernels.geluBackward(x, dy, &dxRecomputed, count: n, cdf: nil, accumulate: true)
      // The training engine's form: the forward pass keeps the slope Φ + xφ, the backward multiplies.
      var ySlope = y, slope = y
      Kernels.gelu(x, &ySlope, count: n, slope: &slope)
      var dxSlopeWritten = seedDx, dxSlopeAdded = seedDx
      Kernels.geluBackward(slope: slope, dy, &dxSlopeWritten, count: n, accumulate: false)
      Kernels.geluBackward(slope: slope, dy, &dxSlopeAdded, count: n, accumulate: true)
      return [y, cdf, yNoCdf, dxWritten, dxAdded, dxRecomputed, ySlope, dxSlopeWritten, dxSlopeAdded].map { $0.map(\.bitPattern) }
    }
    let narrow = run(false)
    #expect(!Kernels.geluUsesAVX512)
    let widened = run(true)
    let names = ["y", "cdf", "y without cdf", "dx written", "dx added", "dx with Φ recomputed", "y with the slope",
                 "dx written from the slope", "dx added from the slope"]
    for (i, name) in names.enumerated() {
      #expect(widened[i] == narrow[i], "\(name): AVX-512 and AVX2 differ")
    }
    for bits in [narrow, widened] {
      #expect(bits[6] == bits[0], "y: keeping the slope changed it")
      #expect(bits[7] == bits[3], "dx written: the slope's differs from Φ's")
      #expect(bits[8] == bits[4], "dx added: the slope's differs from Φ's")
    }
    #if os(Linux) && arch(x86_64)
      let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
      if cpu.contains(" avx512f") && cpu.contains(" avx512vl") && cpu.contains(" avx512bw") && cpu.contains(" avx512dq")
        && ProcessInfo.processInfo.environment["LRKIT_ISA"] == nil {
        #expect(Kernels.geluUsesAVX512, "this CPU has AVX-512: the comparison above must have run it")
      }
    #endif
  }

  @Test("GEMM: the AVX-512 kernels (6 × 32, 6 × 16, and 2 × 32, 4 × 32 for short last row blocks) give the AVX2 kernel's bits: random shapes, transposes, strides, accumulate")
  func gemmWideVectorsSameBits() {
    // LRKIT_ISA forces a kernel for the whole process (the ISA test checks it): nothing to toggle.
    guard ProcessInfo.processInfo.environment["LRKIT_ISA"] == nil else { return }
    let seed = UInt64.random(in: 0...UInt64.max)
    var rng = SplitMix64(seed: seed)
    let wide = GEMM.usesAVX512
    defer { GEMM.usesAVX512 = wide }
    func draw(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
    var compared = 0
    // Fixed edges (one panel, two, an odd number, widths past 16 and 32, k over one block; last
    // row blocks of 1–5 rows, which the 2- and 4-row kernels take, as in dW at width 128), then
    // random shapes.
    var shapes = [(6, 32, 1), (6, 48, 5), (1, 17, 3), (13, 33, 257), (7, 64, 256), (12, 31, 513), (6, 16, 9),
                  (128, 64, 384), (64, 64, 384), (8, 64, 300), (10, 40, 513), (3, 96, 260), (3, 33, 301), (5, 32, 3),
                  (2, 33, 1)]
    for _ in 0..<40 { shapes.append((draw(1, 40), draw(1, 100), draw(1, 600))) }
    for (m, n, k) in shapes {
      let product = RandomProduct(m: m, n: n, k: k, transA: rng.next() % 2 == 0, rng: &rng)
      GEMM.usesAVX512 = false
      let narrow = product.run()
      GEMM.usesAVX512 = true
      let widened = product.run()
      #expect(widened == narrow, "seed \(seed): \(product)")
      compared += 1
    }
    #expect(compared == shapes.count)
    #if os(Linux) && arch(x86_64)
      let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
      if cpu.contains(" avx512f") && ProcessInfo.processInfo.environment["LRKIT_ISA"] == nil {
        GEMM.usesAVX512 = true
        #expect(GEMM.usesAVX512, "this CPU has AVX-512F: the comparison above must have run it")
      }
    #endif
  }

  @Test("GEMM: a fused bias and bias sum give the bits of the product followed by separate passes, on every kernel, column block and thread count")
  func gemmFusedBiasSameBits() {
    let seed = UInt64.random(in: 0...UInt64.max)
    var rng = SplitMix64(seed: seed)
    let wide = GEMM.usesAVX512
    let saved = GEMM.columnBlockLimit
    defer {
      GEMM.usesAVX512 = wide
      GEMM.columnBlockLimit = saved
    }
    func draw(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
    // The linear layers' shapes (dW: m = inputs, k = rows, B = dy), several k blocks, short last
    // row blocks, widths past a column block, then random shapes.
    var shapes = [(96, 384, 128), (128, 384, 96), (64, 64, 384), (13, 33, 513), (2, 17, 1), (7, 200, 300),
                  (100, 130, 257), (5, 32, 3)]
    for _ in 0..<24 { shapes.append((draw(1, 110), draw(1, 200), draw(1, 600))) }
    // LRKIT_ISA fixes the kernel for the process; otherwise both vector widths run.
    let widths = ProcessInfo.processInfo.environment["LRKIT_ISA"] == nil && wide ? [true, false] : [wide]
    var compared = 0
    for (m, n, k) in shapes {
      let product = RandomProduct(m: m, n: n, k: k, transA: rng.next() % 2 == 0, rng: &rng)
      let bias = (0..<n).map { _ in rng.normal() * 3 }
      let sums = (0..<n).map { _ in rng.normal() }
      let limit: Int? = rng.next() % 2 == 0 ? nil : 32 * draw(1, 3)
      for useWide in widths {
        GEMM.usesAVX512 = useWide
        for threads in [1, 2] {
          GEMM.columnBlockLimit = limit
          let fused = product.runFused(bias: bias, sums: sums, threads: threads)
          let separate = product.runSeparate(bias: bias, sums: sums, threads: threads)
          let context = "seed \(seed): \(product) limit \(String(describing: limit)) avx512 \(useWide) threads \(threads)"
          #expect(fused.c == separate.c, "\(context): C")
          #expect(fused.sums == separate.sums, "\(context): sums")
          compared += 1
        }
      }
    }
    #expect(compared == shapes.count * widths.count * 2)
    // No k: C is zero (or kept) plus the bias, and the sums gain nothing; no rows: only the sums.
    var c: [Float] = [1, 2, 3, 4, 5, 6]
    var sums: [Float] = [0.5, 0.25, 0.125]
    let bias: [Float] = [10, 20, 30]
    let b: [Float] = [1, 2, 3, 4, 5, 6]
    GEMM.multiply(b, lda: 1, b, ldb: 3, into: &c, ldc: 3, m: 2, n: 3, k: 0, accumulate: true, bias: bias,
                  biasSum: &sums)
    #expect(c == [11, 22, 33, 14, 25, 36])
    #expect(sums == [0.5, 0.25, 0.125])
    GEMM.multiply(b, lda: 1, b, ldb: 3, into: &c, ldc: 3, m: 2, n: 3, k: 0, bias: bias)
    #expect(c == [10, 20, 30, 10, 20, 30])
    GEMM.multiply(b, lda: 2, b, ldb: 3, into: &c, ldc: 3, m: 0, n: 3, k: 2, biasSum: &sums)
    #expect(sums == [5.5, 7.25, 9.125])
    #expect(c == [10, 20, 30, 10, 20, 30])
  }

  @Test("GEMM: column blocks, row blocks and threads give the bits of one FMA chain per element, k block by k block")
  func gemmColumnBlocks() {
    let seed = UInt64.random(in: 0...UInt64.max)
    var rng = SplitMix64(seed: seed)
    let saved = GEMM.columnBlockLimit
    defer { GEMM.columnBlockLimit = saved }
    func draw(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
    // The portable loop leaves fusing to the compiler: only the FMA kernels have exact bits.
    let exact = GEMM.backend.hasPrefix("lrkit-avx")
    // Past 96 rows, a transposed A is packed 96 rows at a time: some shapes have more.
    var shapes = [(6, 33, 7), (13, 96, 257), (7, 200, 600), (1, 65, 3), (12, 2048, 20), (203, 45, 300), (97, 70, 40)]
    for _ in 0..<30 { shapes.append((draw(1, 30), draw(1, 300), draw(1, 600))) }
    for _ in 0..<3 { shapes.append((draw(97, 250), draw(1, 80), draw(1, 300))) }
    var blocked = 0
    for (m, n, k) in shapes {
      let product = RandomProduct(m: m, n: n, k: k, transA: m > 96 || rng.next() % 2 == 0, rng: &rng)
      let limit = 32 * draw(1, 4)
      GEMM.columnBlockLimit = nil
      let whole = product.run(threads: 1)
      // Cut into column blocks, and into row ranges on two threads where the product is large.
      GEMM.columnBlockLimit = limit
      let cut = product.run(threads: 2)
      let context = "seed \(seed): \(product) limit \(limit)"
      #expect(cut == whole, "\(context)")
      if n > limit { blocked += 1 }
      guard exact else { continue }
      #expect(whole == product.fmaChains(), "\(context)")
    }
    #expect(blocked >= 5, "seed \(seed): too few shapes wider than their column block")
    GEMM.columnBlockLimit = 64
    #expect(GEMM.columnBlockLimit == 64)
    GEMM.columnBlockLimit = nil
    #expect(GEMM.columnBlockLimit == nil)
  }

  @Test("GEMM: the same bits on one thread or two")
  func gemmThreads() {
    var rng = SplitMix64(seed: 3)
    let (m, n, k) = (203, 77, 300)
    let a = random(m * k, &rng)
    let b = random(k * n, &rng)
    func run(_ threads: Int) -> [Float] {
      var c = [Float](repeating: 0, count: m * n)
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          c.withUnsafeMutableBufferPointer { cp in
            GEMM.multiply(ap.baseAddress!, lda: k, bp.baseAddress!, ldb: n, into: cp.baseAddress!, ldc: n,
                          m: m, n: n, k: k, threads: threads)
          }
        }
      }
      return c
    }
    #expect(run(1) == run(2))
  }

  @Test("GELU: within 1e-6 of x·Φ(x); its derivative within 1e-6")
  func gelu() {
    let xs: [Float] = stride(from: -8.0, through: 8.0, by: 0.01).map { Float($0) } + [0, -0.0, 1e-30, -20, 20]
    var y = [Float](repeating: 0, count: xs.count)
    var cdf = [Float](repeating: 0, count: xs.count)
    var dx = [Float](repeating: 0, count: xs.count)
    let ones = [Float](repeating: 1, count: xs.count)
    xs.withUnsafeBufferPointer { x in
      y.withUnsafeMutableBufferPointer { yp in
        cdf.withUnsafeMutableBufferPointer { c in
          Kernels.gelu(x.baseAddress!, yp.baseAddress!, count: xs.count, cdf: c.baseAddress!)
        }
      }
      ones.withUnsafeBufferPointer { dy in
        dx.withUnsafeMutableBufferPointer { d in
          Kernels.geluBackward(x.baseAddress!, dy.baseAddress!, d.baseAddress!, count: xs.count)
        }
      }
    }
    for (i, x) in xs.enumerated() {
      let v = Double(x)
      let phi = 0.5 * (1 + erf(v / 2.0.squareRoot()))
      let pdf = exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
      #expect(abs(Double(y[i]) - v * phi) <= 1e-6 * max(1, abs(v)), "gelu(\(x)) = \(y[i])")
      #expect(abs(Double(cdf[i]) - phi) <= 1e-6, "Φ(\(x)) = \(cdf[i])")
      #expect(abs(Double(dx[i]) - (phi + v * pdf)) <= 1e-6 * max(1, abs(v)), "gelu'(\(x)) = \(dx[i])")
    }
  }

  @Test("NaN passes through GELU and LayerNorm, so divergence is seen")
  func nan() {
    var x: [Float] = [1, .nan, 2, 3]
    var y = [Float](repeating: 0, count: 4)
    x.withUnsafeMutableBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in Kernels.gelu(xp.baseAddress!, yp.baseAddress!, count: 4) }
    }
    #expect(y[1].isNaN && !y[0].isNaN)
    // NaNs inside a vector: the other lanes are exactly what they are without the NaNs.
    let clean: [Float] = (0..<19).map { Float($0) / 4 - 2 }
    var dirty = clean
    dirty[3] = .nan
    dirty[12] = -.nan
    var yc = [Float](repeating: 0, count: 19)
    var yd = [Float](repeating: 0, count: 19)
    var c = clean
    c.withUnsafeMutableBufferPointer { xp in
      yc.withUnsafeMutableBufferPointer { Kernels.gelu(xp.baseAddress!, $0.baseAddress!, count: 19) }
    }
    dirty.withUnsafeMutableBufferPointer { xp in
      yd.withUnsafeMutableBufferPointer { Kernels.gelu(xp.baseAddress!, $0.baseAddress!, count: 19) }
    }
    for i in 0..<19 where i != 3 && i != 12 { #expect(yd[i] == yc[i], "lane \(i)") }
    #expect(yd[3].isNaN && yd[12].isNaN)
    x = [1, 2, .infinity, 4]
    var mean: [Float] = [0]
    var rstd: [Float] = [0]
    let w: [Float] = [1, 1, 1, 1]
    let b: [Float] = [0, 0, 0, 0]
    Kernels.layerNorm(x, w, b, &y, mean: &mean, rstd: &rstd, rows: 1, cols: 4)
    #expect(y.allSatisfy { !$0.isFinite })
  }

  @Test("LayerNorm forward and backward against a double reference (odd width)")
  func layerNorm() {
    var rng = SplitMix64(seed: 5)
    let (rows, cols) = (9, 37)
    let x = random(rows * cols, &rng).map { $0 * 3 + 1 }
    let w = random(cols, &rng)
    let b = random(cols, &rng)
    let dy = random(rows * cols, &rng)
    var y = [Float](repeating: 0, count: rows * cols)
    var mean = [Float](repeating: 0, count: rows)
    var rstd = [Float](repeating: 0, count: rows)
    var dx = [Float](repeating: 0, count: rows * cols)
    var dw = [Float](repeating: 0, count: cols)
    var db = [Float](repeating: 0, count: cols)
    Kernels.layerNorm(x, w, b, &y, mean: &mean, rstd: &rstd, rows: rows, cols: cols)
    Kernels.layerNormBackward(x, w, mean: mean, rstd: rstd, dy, &dx, &dw, &db, rows: rows, cols: cols)
    var rdw = [Double](repeating: 0, count: cols)
    var rdb = [Double](repeating: 0, count: cols)
    for r in 0..<rows {
      let xr = (0..<cols).map { Double(x[r * cols + $0]) }
      let m = xr.reduce(0, +) / Double(cols)
      let v = xr.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(cols)
      let s = 1 / (v + 1e-5).squareRoot()
      let xhat = xr.map { ($0 - m) * s }
      let dn = (0..<cols).map { Double(dy[r * cols + $0]) * Double(w[$0]) }
      let md = dn.reduce(0, +) / Double(cols)
      let mdx = zip(dn, xhat).map { $0 * $1 }.reduce(0, +) / Double(cols)
      for j in 0..<cols {
        #expect(abs(Double(y[r * cols + j]) - (xhat[j] * Double(w[j]) + Double(b[j]))) < 1e-5)
        #expect(abs(Double(dx[r * cols + j]) - (dn[j] - md - xhat[j] * mdx) * s) < 1e-5)
        rdw[j] += xhat[j] * Double(dy[r * cols + j])
        rdb[j] += Double(dy[r * cols + j])
      }
    }
    for j in 0..<cols {
      #expect(abs(Double(dw[j]) - rdw[j]) < 1e-4)
      #expect(abs(Double(db[j]) - rdb[j]) < 1e-4)
    }
  }

  @Test("causal attention forward and backward against a double reference (T 70, head size 12)")
  func attention() {
    var rng = SplitMix64(seed: 9)
    let (T, C, H) = (70, 24, 2)
    let hs = C / H
    let qkv = random(T * 3 * C, &rng)
    let dout = random(T * C, &rng)
    var out = [Float](repeating: 0, count: T * C)
    var probs = [Float](repeating: 0, count: H * T * T)
    var dqkv = [Float](repeating: 0, count: T * 3 * C)
    Kernels.attention(qkv: qkv, out: &out, probs: &probs, batch: 1, time: T, channels: C, heads: H)
    Kernels.attentionBackward(qkv: qkv, probs: probs, dout: dout, dqkv: &dqkv, batch: 1, time: T, channels: C, heads: H)
    let scale = 1 / Double(hs).squareRoot()
    var ref = [Double](repeating: 0, count: T * 3 * C)
    func q(_ t: Int, _ h: Int, _ d: Int) -> Double { Double(qkv[t * 3 * C + h * hs + d]) }
    func k(_ t: Int, _ h: Int, _ d: Int) -> Double { Double(qkv[t * 3 * C + C + h * hs + d]) }
    func v(_ t: Int, _ h: Int, _ d: Int) -> Double { Double(qkv[t * 3 * C + 2 * C + h * hs + d]) }
    var worstOut = 0.0
    for h in 0..<H {
      for t in 0..<T {
        let scores = (0...t).map { s in (0..<hs).map { q(t, h, $0) * k(s, h, $0) }.reduce(0, +) * scale }
        let mx = scores.max()!
        let e = scores.map { exp($0 - mx) }
        let z = e.reduce(0, +)
        let p = e.map { $0 / z }
        for s in 0..<T {
          #expect(abs(Double(probs[(h * T + t) * T + s]) - (s <= t ? p[s] : 0)) < 1e-6)
        }
        let go = (0..<hs).map { Double(dout[t * C + h * hs + $0]) }
        for d in 0..<hs {
          let o = (0...t).map { p[$0] * v($0, h, d) }.reduce(0, +)
          worstOut = max(worstOut, abs(Double(out[t * C + h * hs + d]) - o))
        }
        // Backward of row t.
        let dp = (0...t).map { s in (0..<hs).map { go[$0] * v(s, h, $0) }.reduce(0, +) }
        let inner = zip(p, dp).map { $0 * $1 }.reduce(0, +)
        for s in 0...t {
          let ds = p[s] * (dp[s] - inner) * scale
          for d in 0..<hs {
            ref[s * 3 * C + 2 * C + h * hs + d] += p[s] * go[d]
            ref[t * 3 * C + h * hs + d] += ds * k(s, h, d)
            ref[s * 3 * C + C + h * hs + d] += ds * q(t, h, d)
          }
        }
      }
    }
    #expect(worstOut < 1e-5)
    // Writing instead of adding gives the same gradient whatever the buffer held.
    var written = [Float](repeating: .nan, count: T * 3 * C)
    Kernels.attentionBackward(qkv: qkv, probs: probs, dout: dout, dqkv: &written, batch: 1, time: T, channels: C,
                              heads: H, accumulate: false)
    #expect(written == dqkv)
    let worstGrad = zip(dqkv, ref).map { abs(Double($0) - $1) }.max()!
    #expect(worstGrad < 1e-4, "worst gradient difference \(worstGrad)")
  }

  /// The tiled attention kernels (the AVX2 path) against the chunked products they replace:
  /// the same bits for P, the output and the gradient, on shapes at every edge of the tiling
  /// (T around multiples of 6, 16, 48 and past the 256-term block, head sizes 1–64 not
  /// multiples of 16) and scores large enough that some weights underflow to exact zeros.
  @Test("tiled attention: the chunked products' bits, forward and backward, written and added",
        arguments: [(1, 4, 1), (5, 12, 3), (6, 16, 1), (7, 24, 2), (17, 20, 1), (47, 64, 4), (48, 32, 2),
                    (49, 48, 3), (64, 64, 4), (70, 40, 5), (97, 96, 2), (130, 128, 2), (256, 64, 4), (257, 32, 1),
                    (300, 48, 3), (520, 16, 1)])
  func tiledAttention(_ shape: (Int, Int, Int)) {
    /// The first index where the bits differ, if any.
    func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
      a.count == b.count ? a.indices.first { a[$0].bitPattern != b[$0].bitPattern } : 0
    }
    let (T, C, H) = shape
    var rng = SplitMix64(seed: UInt64(T * 1000 + C))
    for magnitude: Float in [1, 12] {
      let qkv = random(T * 3 * C, &rng).map { $0 * magnitude }
      let dout = random(T * C, &rng)
      let start = random(T * 3 * C, &rng)
      var out = ([Float](repeating: .nan, count: T * C), [Float](repeating: .nan, count: T * C))
      var probs = ([Float](repeating: .nan, count: H * T * T), [Float](repeating: .nan, count: H * T * T))
      lrkit_attention(qkv, &out.0, &probs.0, T, C, H)
      lrkit_attention_chunked(qkv, &out.1, &probs.1, T, C, H)
      #expect(firstDifference(out.0, out.1) == nil, "T \(T) C \(C) H \(H): output")
      #expect(firstDifference(probs.0, probs.1) == nil, "T \(T) C \(C) H \(H): weights")
      // The large scores really do underflow: some weight on or below the diagonal is exactly 0
      // (the zeros above it are there at any magnitude).
      let underflows = (0..<H).contains { h in
        (0..<T).contains { t in (0...t).contains { s in probs.0[(h * T + t) * T + s] == 0 } }
      }
      if magnitude > 1 && T >= 5 { #expect(underflows, "T \(T) C \(C) H \(H): no weight underflowed") }
      for accumulate: Int32 in [0, 1] {
        var grad = (start, start)
        lrkit_attention_backward(qkv, probs.1, dout, &grad.0, T, C, H, accumulate)
        lrkit_attention_backward_chunked(qkv, probs.1, dout, &grad.1, T, C, H, accumulate)
        #expect(firstDifference(grad.0, grad.1) == nil, "T \(T) C \(C) H \(H) accumulate \(accumulate): gradient")
      }
    }
  }

  @Test("GPT pass: one thread or two, the same loss and gradients bit for bit (uneven shards, dropout)")
  func shardsAndThreads() throws {
    for dropout: Float in [0.0, 0.2] {
      let config = GPTConfig(vocabulary: 11, context: 9, layers: 2, channels: 16, heads: 2, dropout: dropout)
      let model = try GPT(config)
      let ws = GPTWorkspace(config: config, batch: 3)
      var rng = SplitMix64(seed: 1)
      let tokens = (0..<27).map { _ in Int32(rng.next() % 11) }
      let targets = (0..<27).map { _ in Int32(rng.next() % 11) }
      let p = model.initialParameters(seed: 2)
      func run(_ threads: Int) -> (Double, [Float]) {
        var g: [Float]? = [Float](repeating: 0, count: p.count)
        var r: SplitMix64? = dropout > 0 ? SplitMix64(seed: 5) : nil
        let loss = model.pass(tokens: tokens, targets: targets, parameters: p, gradients: &g, workspace: ws,
                              rng: &r, threads: threads)
        return (loss, g!)
      }
      let (l1, g1) = run(1)
      let (l2, g2) = run(2)
      #expect(l1 == l2)
      #expect(g1 == g2)
      #expect(g1.contains { $0 != 0 })
    }
  }

  @Test("GPT pass with S shards: the same bits on 1, 2, 3 or 5 threads for every S; S = 1…5 agree to rounding")
  func shardCountsAndThreads() throws {
    let config = GPTConfig(vocabulary: 11, context: 9, layers: 2, channels: 16, heads: 2, dropout: 0)
    let model = try GPT(config)
    var rng = SplitMix64(seed: 3)
    let batch = 5
    let tokens = (0..<batch * 9).map { _ in Int32(rng.next() % 11) }
    let targets = (0..<batch * 9).map { _ in Int32(rng.next() % 11) }
    let p = model.initialParameters(seed: 4)
    var bySharding: [(Double, [Float])] = []
    for shards in 1...5 {
      let ws = GPTWorkspace(config: config, batch: batch, shards: shards)
      #expect(ws.shardCount == shards)
      func run(_ threads: Int) -> (Double, [Float]) {
        // Garbage in the buffer of a later shard must not leak in: each pass zeroes its own.
        var g: [Float]? = [Float](repeating: 0, count: p.count)
        var r: SplitMix64? = nil
        let loss = model.pass(tokens: tokens, targets: targets, parameters: p, gradients: &g, workspace: ws,
                              rng: &r, threads: threads)
        return (loss, g!)
      }
      let one = run(1)
      for threads in [2, 3, 5] {
        let other = run(threads)
        #expect(other.0 == one.0, "S = \(shards), \(threads) threads: loss")
        #expect(other.1.map(\.bitPattern) == one.1.map(\.bitPattern), "S = \(shards), \(threads) threads")
      }
      // A second pass on the same workspace gives the same bits (the shard buffers are re-zeroed).
      #expect(run(2).1.map(\.bitPattern) == one.1.map(\.bitPattern))
      bySharding.append(one)
    }
    // Different shard counts sum in different orders: equal to rounding, not necessarily bit for bit.
    let reference = bySharding[0]
    let scale = reference.1.map { abs($0) }.max()!
    for (s, r) in bySharding.enumerated().dropFirst() {
      // The loss is float32 arithmetic: equal to float32 rounding. LRKit's own kernels give the
      // same loss bits for S = 1…5 here, but with the OpenBLAS trait each shard is one
      // `cblas_sgemm` over fewer rows, which OpenBLAS rounds differently: S = 4 and 5 differ by
      // 5.3e-9 absolute (2.2e-9 relative), deterministically, run alone or with every test.
      #expect(abs(r.0 - reference.0) < 1e-6 * max(1, abs(reference.0)), "S = \(s + 1) loss")
      let worst = zip(r.1, reference.1).map { abs($0 - $1) }.max()!
      #expect(worst <= 1e-5 * scale, "S = \(s + 1): worst gradient difference \(worst)")
    }
    #expect(bySharding.contains { $0.1.map(\.bitPattern) != reference.1.map(\.bitPattern) },
            "the shard count is expected to change some last bits")
  }

  @Test("more shards than sequences: one shard per sequence")
  func shardsClampToBatch() {
    let config = GPTConfig(vocabulary: 11, context: 9, layers: 1, channels: 16, heads: 2)
    #expect(GPTWorkspace(config: config, batch: 3, shards: 16).shardCount == 3)
    #expect(GPTWorkspace(config: config, batch: 1).shardCount == 1)
    #expect(GPTWorkspace(config: config, batch: 12).shardCount == GPTWorkspace.defaultShards)
    #expect(GPTWorkspace(config: config, batch: 12, shards: 0).shardCount == 1)
  }
}
