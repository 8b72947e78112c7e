import CKernels
import Dispatch

extension GPT {
  /// Forward pass (training mode when `rng` is given: dropout active) and, when `gradients` is
  /// given, the backward pass accumulating into it. Returns the mean cross-entropy (nats).
  ///
  /// The batch runs as the workspace's shards (two halves unless the workspace was made with
  /// another count), taken round-robin by up to `threads` threads: each shard's loss is a sum
  /// and its gradient is scaled by the whole batch, and the shard gradients are added as a
  /// fixed pairwise tree, so the result does not depend on the number of threads. With dropout,
  /// each shard draws its masks from a generator seeded by `rng`, one draw per shard.
  ///
  /// - Parameters:
  ///   - tokens: `batch × context` input tokens.
  ///   - targets: the next tokens, same shape.
  ///   - parameters: the flat parameter vector.
  ///   - gradients: receives the gradient when not nil (a forward pass alone when nil).
  ///   - w: the workspace holding the activations.
  ///   - rng: the dropout generator (nil: no dropout).
  ///   - threads: the most threads to use (the result is the same for any value).
  public func pass(tokens: [Int32], targets: [Int32], parameters: [Float], gradients: inout [Float]?,
                   workspace w: GPTWorkspace, rng: inout SplitMix64?, threads: Int = GEMM.threads) -> Double {
    let T = config.context
    let dropout = rng != nil && config.dropout > 0
    let seeds: [UInt64] = dropout ? w.shards.map { _ in rng!.next() } : []
    let count = w.shards.count
    // Threads take the shards round-robin; threads left over split rows inside each shard.
    let workers = max(1, min(threads, count))
    let threadsPerShard = max(1, threads / workers)
    let totalRows = w.batch * T
    let losses = UnsafeMutablePointer<Double>.allocate(capacity: count)
    defer { losses.deallocate() }
    tokens.withUnsafeBufferPointer { tb in
      targets.withUnsafeBufferPointer { yb in
        parameters.withUnsafeBufferPointer { pb in
          func run(_ G: UnsafeMutablePointer<Float>?) {
            let job = ShardJob(tokens: tb.baseAddress!, targets: yb.baseAddress!, parameters: pb.baseAddress!,
                               gradients: G, losses: losses)
            let n = config.parameterCount
            forEach(workers, parallel: workers > 1) { worker in
              for s in stride(from: worker, to: count, by: workers) {
                let start = w.shardStarts[s] * T
                let g = s == 0 ? job.gradients : job.gradients.map { _ in w.shardGradients[s - 1] }
                if s > 0, let g { EngineProfile.measure(.shardGradients) { g.update(repeating: 0, count: n) } }
                var shardRNG: SplitMix64? = dropout ? SplitMix64(seed: seeds[s]) : nil
                job.losses[s] = self.shardPass(
                  w.shards[s], tokens: job.tokens + start, targets: job.targets + start,
                  parameters: job.parameters, gradients: g, totalRows: totalRows, rng: &shardRNG,
                  threads: threadsPerShard)
              }
            }
            if let G { EngineProfile.measure(.shardGradients) { reduceShardGradients(into: G, w, threads: threads) } }
          }
          if gradients != nil {
            gradients!.withUnsafeMutableBufferPointer { gb in run(gb.baseAddress!) }
          } else {
            run(nil)
          }
        }
      }
    }
    var total = 0.0
    for s in 0..<count { total += losses[s] }
    return total / Double(totalRows)
  }

  /// Adds the shard gradients into `G` (shard 0's) as a fixed pairwise tree,
  /// `((g₀ + g₁) + (g₂ + g₃)) + …`, whose order depends only on the shard count. Threads split
  /// the parameters into ranges, and each range runs the whole tree in blocks of 2¹⁴ floats, so
  /// the partial sums stay in cache; the split never changes a sum.
  func reduceShardGradients(into G: UnsafeMutablePointer<Float>, _ w: GPTWorkspace, threads: Int) {
    let count = w.shards.count
    guard count > 1 else { return }
    let buffers = GradientBuffers(all: [G] + w.shardGradients)
    let n = config.parameterCount
    let pieces = max(1, min(threads, n / (1 << 16)))
    forEach(pieces, parallel: pieces > 1) { piece in
      let block = 1 << 14
      var lo = n * piece / pieces
      let end = n * (piece + 1) / pieces
      while lo < end {
        let len = min(block, end - lo)
        var width = 1
        while width < count {
          var i = 0
          while i + width < count {
            lrkit_add(buffers.all[i] + lo, buffers.all[i + width] + lo, buffers.all[i] + lo, len)
            i += 2 * width
          }
          width *= 2
        }
        lo += len
      }
    }
  }

  /// The gradient buffers of a workspace's shards, shard 0 first.
  struct GradientBuffers: @unchecked Sendable {
    let all: [UnsafeMutablePointer<Float>]
  }

  /// The raw pointers one shard works on.
  struct ShardJob: @unchecked Sendable {
    let tokens: UnsafePointer<Int32>
    let targets: UnsafePointer<Int32>
    let parameters: UnsafePointer<Float>
    let gradients: UnsafeMutablePointer<Float>?
    let losses: UnsafeMutablePointer<Double>
  }

  /// Forward (and backward, when `gradients` is given) of one shard; returns its summed loss.
  func shardPass(_ w: GPTActivations, tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>,
                 parameters P: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>?,
                 totalRows: Int, rng: inout SplitMix64?, threads: Int) -> Double {
    let cfg = config
    let B = w.batch
    let T = cfg.context
    let C = cfg.channels
    let V = cfg.vocabulary
    let N = B * T
    let L = layout
    let dropout = rng != nil
    w.tokens.update(from: tokens, count: N)
    w.targets.update(from: targets, count: N)
    // Embeddings.
    Kernels.embed(w.tokens, wte: P + L.wte, wpe: P + L.wpe, w.xIn[0], batch: B, time: T, channels: C)
    if dropout {
      Kernels.dropout(w.xIn[0], w.xIn[0], mask: w.embMask, count: N * C, p: cfg.dropout, rng: &rng!)
    }
    for l in 0..<cfg.layers {
      let b = P + L.layerBase[l]
      let x = w.xIn[l]
      let out = w.xIn[l + 1]
      let mid = w.mid[l], ln1 = w.ln1[l], ln2 = w.ln2[l], fcPre = w.fcPre, fcAct = w.fcAct[l]
      switch cfg.norm {
      case .preLN:
        Kernels.layerNorm(x, b + L.ln1W, b + L.ln1B, ln1, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], rows: N, cols: C)
        Kernels.linear(ln1, b + L.qkvW, b + L.qkvB, w.qkv[l], rows: N, inputs: C, outputs: 3 * C, threads: threads)
        attention(w, l, threads: threads)
        Kernels.linear(w.att[l], b + L.projW, b + L.projB, w.tmp, rows: N, inputs: C, outputs: C, threads: threads)
        if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.attMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
        Kernels.add(x, w.tmp, mid, count: N * C)
        Kernels.layerNorm(mid, b + L.ln2W, b + L.ln2B, ln2, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], rows: N, cols: C)
        Kernels.linear(ln2, b + L.fcW, b + L.fcB, fcPre, rows: N, inputs: C, outputs: 4 * C, threads: threads)
        Kernels.gelu(fcPre, fcAct, count: N * 4 * C, slope: w.fcSlope[l])
        Kernels.linear(fcAct, b + L.fcProjW, b + L.fcProjB, w.tmp, rows: N, inputs: 4 * C, outputs: C, threads: threads)
        if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.mlpMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
        Kernels.add(mid, w.tmp, out, count: N * C)
      case .postLN:
        Kernels.linear(x, b + L.qkvW, b + L.qkvB, w.qkv[l], rows: N, inputs: C, outputs: 3 * C, threads: threads)
        attention(w, l, threads: threads)
        Kernels.linear(w.att[l], b + L.projW, b + L.projB, w.tmp, rows: N, inputs: C, outputs: C, threads: threads)
        if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.attMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
        Kernels.add(x, w.tmp, mid, count: N * C)  // r1
        Kernels.layerNorm(mid, b + L.ln1W, b + L.ln1B, ln1, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], rows: N, cols: C)
        Kernels.linear(ln1, b + L.fcW, b + L.fcB, fcPre, rows: N, inputs: C, outputs: 4 * C, threads: threads)
        Kernels.gelu(fcPre, fcAct, count: N * 4 * C, slope: w.fcSlope[l])
        Kernels.linear(fcAct, b + L.fcProjW, b + L.fcProjB, w.tmp, rows: N, inputs: 4 * C, outputs: C, threads: threads)
        if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.mlpMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
        Kernels.add(ln1, w.tmp, w.r2[l], count: N * C)
        Kernels.layerNorm(w.r2[l], b + L.ln2W, b + L.ln2B, out, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], rows: N, cols: C)
      }
    }
    let top = w.xIn[cfg.layers]
    Kernels.layerNorm(top, P + L.lnfW, P + L.lnfB, w.lnf, mean: w.lnfMean, rstd: w.lnfRstd, rows: N, cols: C)
    Kernels.linear(w.lnf, P + L.head, nil, w.logits, rows: N, inputs: C, outputs: V, threads: threads)
    let loss = Kernels.softmaxCrossEntropySum(w.logits, targets: w.targets, probs: w.outProbs, rows: N, classes: V)
    if let gradients {
      backward(P, gradients, w, dropout: dropout, totalRows: totalRows, threads: threads)
    }
    return loss
  }

  /// Attention of layer `l`, sequence by sequence (in parallel when `threads` > 1).
  func attention(_ w: GPTActivations, _ l: Int, threads: Int) {
    let cfg = config
    let T = cfg.context
    let C = cfg.channels
    let H = cfg.heads
    let ptrs = Pointers(qkv: w.qkv[l], out: w.att[l], probs: w.probs[l], dqkv: w.dQkv, dout: w.dAtt)
    forEach(w.batch, parallel: threads > 1) { b in
      Kernels.attention(qkv: ptrs.qkv + b * T * 3 * C, out: ptrs.out + b * T * C,
                        probs: ptrs.probs + b * H * T * T, batch: 1, time: T, channels: C, heads: H)
    }
  }

  func attentionBackward(_ w: GPTActivations, _ l: Int, threads: Int, accumulate: Bool = true) {
    let cfg = config
    let T = cfg.context
    let C = cfg.channels
    let H = cfg.heads
    let ptrs = Pointers(qkv: w.qkv[l], out: w.att[l], probs: w.probs[l], dqkv: w.dQkv, dout: w.dAtt)
    forEach(w.batch, parallel: threads > 1) { b in
      Kernels.attentionBackward(qkv: ptrs.qkv + b * T * 3 * C, probs: ptrs.probs + b * H * T * T,
                                dout: ptrs.dout + b * T * C, dqkv: ptrs.dqkv + b * T * 3 * C,
                                batch: 1, time: T, channels: C, heads: H, accumulate: accumulate)
    }
  }

  /// `body(0) … body(count − 1)`, on several threads when `parallel` and there is more than one.
  func forEach(_ count: Int, parallel: Bool, _ body: @Sendable (Int) -> Void) {
    if parallel && count > 1 {
      DispatchQueue.concurrentPerform(iterations: count, execute: body)
    } else {
      for i in 0..<count { body(i) }
    }
  }

  struct Pointers: @unchecked Sendable {
    let qkv: UnsafeMutablePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let probs: UnsafeMutablePointer<Float>
    let dqkv: UnsafeMutablePointer<Float>
    let dout: UnsafeMutablePointer<Float>
  }

  func backward(_ P: UnsafePointer<Float>, _ G: UnsafeMutablePointer<Float>, _ w: GPTActivations,
                dropout: Bool, totalRows: Int, threads: Int) {
    let cfg = config
    let B = w.batch
    let T = cfg.context
    let C = cfg.channels
    let V = cfg.vocabulary
    let N = B * T
    let L = layout
    /// `dy · mask` in the scratch buffer `dTmp` (the gradient through a dropout).
    func masked(_ dy: UnsafeMutablePointer<Float>, _ mask: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
      Kernels.multiply(dy, mask, w.dTmp, count: N * C)
      return w.dTmp
    }
    // Head.
    Kernels.softmaxCrossEntropyBackward(probs: w.outProbs, targets: w.targets, w.dLogits, rows: N, classes: V,
                                        normalizer: totalRows)
    Kernels.linearBackward(w.lnf, P + L.head, w.dLogits, dx: w.dLn, dw: G + L.head, db: nil, rows: N, inputs: C, outputs: V, threads: threads, accumulateDx: false)
    Kernels.layerNormBackward(w.xIn[cfg.layers], P + L.lnfW, mean: w.lnfMean, rstd: w.lnfRstd, w.dLn, w.dX,
                              G + L.lnfW, G + L.lnfB, rows: N, cols: C, accumulate: false)
    // dX holds the gradient of the output of the top layer.
    for l in stride(from: cfg.layers - 1, through: 0, by: -1) {
      let b = P + L.layerBase[l]
      let g = G + L.layerBase[l]
      switch cfg.norm {
      case .preLN:
        // out = mid + drop(fcproj(gelu(fc(ln2(mid)))))
        let dMLP = dropout ? masked(w.dX, w.mlpMask[l]) : w.dX
        Kernels.linearBackward(w.fcAct[l], b + L.fcProjW, dMLP, dx: w.dFcAct, dw: g + L.fcProjW, db: g + L.fcProjB, rows: N, inputs: 4 * C, outputs: C, threads: threads, accumulateDx: false)
        Kernels.geluBackward(slope: w.fcSlope[l], w.dFcAct, w.dFcPre, count: N * 4 * C, accumulate: false)
        Kernels.linearBackward(w.ln2[l], b + L.fcW, w.dFcPre, dx: w.dLn, dw: g + L.fcW, db: g + L.fcB, rows: N, inputs: C, outputs: 4 * C, threads: threads, accumulateDx: false)
        w.dMid.update(from: w.dX, count: N * C)
        Kernels.layerNormBackward(w.mid[l], b + L.ln2W, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], w.dLn, w.dMid, g + L.ln2W, g + L.ln2B, rows: N, cols: C)
        // mid = x + drop(proj(attn(qkv(ln1(x)))))
        let dAttention = dropout ? masked(w.dMid, w.attMask[l]) : w.dMid
        Kernels.linearBackward(w.att[l], b + L.projW, dAttention, dx: w.dAtt, dw: g + L.projW, db: g + L.projB, rows: N, inputs: C, outputs: C, threads: threads, accumulateDx: false)
        attentionBackward(w, l, threads: threads, accumulate: false)
        Kernels.linearBackward(w.ln1[l], b + L.qkvW, w.dQkv, dx: w.dLn, dw: g + L.qkvW, db: g + L.qkvB, rows: N, inputs: C, outputs: 3 * C, threads: threads, accumulateDx: false)
        w.dX.update(from: w.dMid, count: N * C)
        Kernels.layerNormBackward(w.xIn[l], b + L.ln1W, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], w.dLn, w.dX, g + L.ln1W, g + L.ln1B, rows: N, cols: C)
      case .postLN:
        // out = ln2(r2), r2 = x1 + drop(fcproj(gelu(fc(x1)))), x1 = ln1(r1), r1 = x + drop(proj(attn(qkv(x))))
        Kernels.layerNormBackward(w.r2[l], b + L.ln2W, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], w.dX, w.dMid, g + L.ln2W, g + L.ln2B, rows: N, cols: C, accumulate: false)
        let dMLP = dropout ? masked(w.dMid, w.mlpMask[l]) : w.dMid
        Kernels.linearBackward(w.fcAct[l], b + L.fcProjW, dMLP, dx: w.dFcAct, dw: g + L.fcProjW, db: g + L.fcProjB, rows: N, inputs: 4 * C, outputs: C, threads: threads, accumulateDx: false)
        Kernels.geluBackward(slope: w.fcSlope[l], w.dFcAct, w.dFcPre, count: N * 4 * C, accumulate: false)
        w.dLn.update(from: w.dMid, count: N * C)  // d x1 = d r2 + fc path
        Kernels.linearBackward(w.ln1[l], b + L.fcW, w.dFcPre, dx: w.dLn, dw: g + L.fcW, db: g + L.fcB, rows: N, inputs: C, outputs: 4 * C, threads: threads)
        Kernels.layerNormBackward(w.mid[l], b + L.ln1W, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], w.dLn, w.dMid, g + L.ln1W, g + L.ln1B, rows: N, cols: C, accumulate: false)
        let dAttention = dropout ? masked(w.dMid, w.attMask[l]) : w.dMid
        Kernels.linearBackward(w.att[l], b + L.projW, dAttention, dx: w.dAtt, dw: g + L.projW, db: g + L.projB, rows: N, inputs: C, outputs: C, threads: threads, accumulateDx: false)
        attentionBackward(w, l, threads: threads, accumulate: false)
        w.dX.update(from: w.dMid, count: N * C)
        Kernels.linearBackward(w.xIn[l], b + L.qkvW, w.dQkv, dx: w.dX, dw: g + L.qkvW, db: g + L.qkvB, rows: N, inputs: C, outputs: 3 * C, threads: threads)
      }
    }
    if dropout { Kernels.multiply(w.dX, w.embMask, w.dX, count: N * C) }
    Kernels.embedBackward(w.tokens, w.dX, dwte: G + L.wte, dwpe: G + L.wpe, batch: B, time: T, channels: C)
  }
}
