import Dispatch

extension GPT {
  /// Forward pass (training mode when `rng` is given: dropout active) and, when `gradients` is
  /// given, the backward pass accumulating into it. Returns the mean cross-entropy (nats).
  ///
  /// - Parameters:
  ///   - tokens: `batch × context` input tokens; `targets` the next tokens, same shape.
  public func pass(tokens: [Int32], targets: [Int32], parameters: [Float], gradients: inout [Float]?,
                   workspace w: GPTWorkspace, rng: inout SplitMix64?) -> Double {
    let cfg = config
    let B = w.batch
    let T = cfg.context
    let C = cfg.channels
    let V = cfg.vocabulary
    let N = B * T
    let L = layout
    let dropout = rng != nil && cfg.dropout > 0
    tokens.withUnsafeBufferPointer { tb in w.tokens.update(from: tb.baseAddress!, count: N) }
    targets.withUnsafeBufferPointer { tb in w.targets.update(from: tb.baseAddress!, count: N) }
    return parameters.withUnsafeBufferPointer { pbuf -> Double in
      let P = pbuf.baseAddress!
      // Embeddings.
      Kernels.embed(w.tokens, wte: P + L.wte, wpe: P + L.wpe, w.xIn[0], batch: B, time: T, channels: C)
      if dropout {
        Kernels.dropout(w.xIn[0], w.xIn[0], mask: w.embMask, count: N * C, p: cfg.dropout, rng: &rng!)
      }
      for l in 0..<cfg.layers {
        let b = P + L.layerBase[l]
        let x = w.xIn[l]
        let out = w.xIn[l + 1]
        switch cfg.norm {
        case .preLN:
          Kernels.layerNorm(x, b + L.ln1W, b + L.ln1B, w.ln1[l], mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], rows: N, cols: C)
          Kernels.linear(w.ln1[l], b + L.qkvW, b + L.qkvB, w.qkv[l], rows: N, inputs: C, outputs: 3 * C)
          attention(w, l)
          Kernels.linear(w.att[l], b + L.projW, b + L.projB, w.tmp, rows: N, inputs: C, outputs: C)
          if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.attMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
          for i in 0..<N * C { w.mid[l][i] = x[i] + w.tmp[i] }
          Kernels.layerNorm(w.mid[l], b + L.ln2W, b + L.ln2B, w.ln2[l], mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], rows: N, cols: C)
          Kernels.linear(w.ln2[l], b + L.fcW, b + L.fcB, w.fcPre[l], rows: N, inputs: C, outputs: 4 * C)
          Kernels.gelu(w.fcPre[l], w.fcAct[l], count: N * 4 * C, cdf: w.fcCdf[l])
          Kernels.linear(w.fcAct[l], b + L.fcProjW, b + L.fcProjB, w.tmp, rows: N, inputs: 4 * C, outputs: C)
          if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.mlpMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
          for i in 0..<N * C { out[i] = w.mid[l][i] + w.tmp[i] }
        case .postLN:
          Kernels.linear(x, b + L.qkvW, b + L.qkvB, w.qkv[l], rows: N, inputs: C, outputs: 3 * C)
          attention(w, l)
          Kernels.linear(w.att[l], b + L.projW, b + L.projB, w.tmp, rows: N, inputs: C, outputs: C)
          if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.attMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
          for i in 0..<N * C { w.mid[l][i] = x[i] + w.tmp[i] }  // r1
          Kernels.layerNorm(w.mid[l], b + L.ln1W, b + L.ln1B, w.ln1[l], mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], rows: N, cols: C)
          Kernels.linear(w.ln1[l], b + L.fcW, b + L.fcB, w.fcPre[l], rows: N, inputs: C, outputs: 4 * C)
          Kernels.gelu(w.fcPre[l], w.fcAct[l], count: N * 4 * C, cdf: w.fcCdf[l])
          Kernels.linear(w.fcAct[l], b + L.fcProjW, b + L.fcProjB, w.tmp, rows: N, inputs: 4 * C, outputs: C)
          if dropout { Kernels.dropout(w.tmp, w.tmp, mask: w.mlpMask[l], count: N * C, p: cfg.dropout, rng: &rng!) }
          for i in 0..<N * C { w.r2[l][i] = w.ln1[l][i] + w.tmp[i] }
          Kernels.layerNorm(w.r2[l], b + L.ln2W, b + L.ln2B, out, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], rows: N, cols: C)
        }
      }
      let top = w.xIn[cfg.layers]
      Kernels.layerNorm(top, P + L.lnfW, P + L.lnfB, w.lnf, mean: w.lnfMean, rstd: w.lnfRstd, rows: N, cols: C)
      Kernels.linear(w.lnf, P + L.head, nil, w.logits, rows: N, inputs: C, outputs: V)
      let loss = Kernels.softmaxCrossEntropy(w.logits, targets: w.targets, probs: w.outProbs, rows: N, classes: V)
      guard gradients != nil else { return loss }
      gradients!.withUnsafeMutableBufferPointer { gbuf in
        backward(P, gbuf.baseAddress!, w, dropout: dropout)
      }
      return loss
    }
  }

  /// Attention of layer `l`, one batch item per task.
  func attention(_ w: GPTWorkspace, _ l: Int) {
    let cfg = config
    let T = cfg.context
    let C = cfg.channels
    let H = cfg.heads
    let ptrs = Pointers(qkv: w.qkv[l], out: w.att[l], probs: w.probs[l], dqkv: w.dQkv, dout: w.dAtt)
    DispatchQueue.concurrentPerform(iterations: w.batch) { b in
      Kernels.attention(qkv: ptrs.qkv + b * T * 3 * C, out: ptrs.out + b * T * C,
                        probs: ptrs.probs + b * H * T * T, batch: 1, time: T, channels: C, heads: H)
    }
  }

  func attentionBackward(_ w: GPTWorkspace, _ l: Int) {
    let cfg = config
    let T = cfg.context
    let C = cfg.channels
    let H = cfg.heads
    let ptrs = Pointers(qkv: w.qkv[l], out: w.att[l], probs: w.probs[l], dqkv: w.dQkv, dout: w.dAtt)
    DispatchQueue.concurrentPerform(iterations: w.batch) { b in
      Kernels.attentionBackward(qkv: ptrs.qkv + b * T * 3 * C, probs: ptrs.probs + b * H * T * T,
                                dout: ptrs.dout + b * T * C, dqkv: ptrs.dqkv + b * T * 3 * C,
                                batch: 1, time: T, channels: C, heads: H)
    }
  }

  struct Pointers: @unchecked Sendable {
    let qkv: UnsafeMutablePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let probs: UnsafeMutablePointer<Float>
    let dqkv: UnsafeMutablePointer<Float>
    let dout: UnsafeMutablePointer<Float>
  }

  func backward(_ P: UnsafePointer<Float>, _ G: UnsafeMutablePointer<Float>, _ w: GPTWorkspace,
                dropout: Bool) {
    let cfg = config
    let B = w.batch
    let T = cfg.context
    let C = cfg.channels
    let V = cfg.vocabulary
    let N = B * T
    let L = layout
    func zero(_ p: UnsafeMutablePointer<Float>, _ n: Int) { p.update(repeating: 0, count: n) }
    // Head.
    Kernels.softmaxCrossEntropyBackward(probs: w.outProbs, targets: w.targets, w.dLogits, rows: N, classes: V)
    zero(w.dLn, N * C)
    Kernels.linearBackward(w.lnf, P + L.head, w.dLogits, dx: w.dLn, dw: G + L.head, db: nil, rows: N, inputs: C, outputs: V)
    zero(w.dX, N * C)
    Kernels.layerNormBackward(w.xIn[cfg.layers], P + L.lnfW, mean: w.lnfMean, rstd: w.lnfRstd, w.dLn, w.dX,
                              G + L.lnfW, G + L.lnfB, rows: N, cols: C)
    // dX holds the gradient of the output of the top layer.
    for l in stride(from: cfg.layers - 1, through: 0, by: -1) {
      let b = P + L.layerBase[l]
      let g = G + L.layerBase[l]
      switch cfg.norm {
      case .preLN:
        // out = mid + drop(fcproj(gelu(fc(ln2(mid)))))
        w.dTmp.update(from: w.dX, count: N * C)
        if dropout { for i in 0..<N * C { w.dTmp[i] *= w.mlpMask[l][i] } }
        zero(w.dFcAct, N * 4 * C)
        Kernels.linearBackward(w.fcAct[l], b + L.fcProjW, w.dTmp, dx: w.dFcAct, dw: g + L.fcProjW, db: g + L.fcProjB, rows: N, inputs: 4 * C, outputs: C)
        zero(w.dFcPre, N * 4 * C)
        Kernels.geluBackward(w.fcPre[l], w.dFcAct, w.dFcPre, count: N * 4 * C, cdf: w.fcCdf[l])
        zero(w.dLn, N * C)
        Kernels.linearBackward(w.ln2[l], b + L.fcW, w.dFcPre, dx: w.dLn, dw: g + L.fcW, db: g + L.fcB, rows: N, inputs: C, outputs: 4 * C)
        w.dMid.update(from: w.dX, count: N * C)
        Kernels.layerNormBackward(w.mid[l], b + L.ln2W, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], w.dLn, w.dMid, g + L.ln2W, g + L.ln2B, rows: N, cols: C)
        // mid = x + drop(proj(attn(qkv(ln1(x)))))
        w.dTmp.update(from: w.dMid, count: N * C)
        if dropout { for i in 0..<N * C { w.dTmp[i] *= w.attMask[l][i] } }
        zero(w.dAtt, N * C)
        Kernels.linearBackward(w.att[l], b + L.projW, w.dTmp, dx: w.dAtt, dw: g + L.projW, db: g + L.projB, rows: N, inputs: C, outputs: C)
        zero(w.dQkv, N * 3 * C)
        attentionBackward(w, l)
        zero(w.dLn, N * C)
        Kernels.linearBackward(w.ln1[l], b + L.qkvW, w.dQkv, dx: w.dLn, dw: g + L.qkvW, db: g + L.qkvB, rows: N, inputs: C, outputs: 3 * C)
        w.dX.update(from: w.dMid, count: N * C)
        Kernels.layerNormBackward(w.xIn[l], b + L.ln1W, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], w.dLn, w.dX, g + L.ln1W, g + L.ln1B, rows: N, cols: C)
      case .postLN:
        // out = ln2(r2), r2 = x1 + drop(fcproj(gelu(fc(x1)))), x1 = ln1(r1), r1 = x + drop(proj(attn(qkv(x))))
        zero(w.dMid, N * C)  // d r2
        Kernels.layerNormBackward(w.r2[l], b + L.ln2W, mean: w.ln2Mean[l], rstd: w.ln2Rstd[l], w.dX, w.dMid, g + L.ln2W, g + L.ln2B, rows: N, cols: C)
        w.dTmp.update(from: w.dMid, count: N * C)
        if dropout { for i in 0..<N * C { w.dTmp[i] *= w.mlpMask[l][i] } }
        zero(w.dFcAct, N * 4 * C)
        Kernels.linearBackward(w.fcAct[l], b + L.fcProjW, w.dTmp, dx: w.dFcAct, dw: g + L.fcProjW, db: g + L.fcProjB, rows: N, inputs: 4 * C, outputs: C)
        zero(w.dFcPre, N * 4 * C)
        Kernels.geluBackward(w.fcPre[l], w.dFcAct, w.dFcPre, count: N * 4 * C, cdf: w.fcCdf[l])
        w.dLn.update(from: w.dMid, count: N * C)  // d x1 = d r2 + fc path
        Kernels.linearBackward(w.ln1[l], b + L.fcW, w.dFcPre, dx: w.dLn, dw: g + L.fcW, db: g + L.fcB, rows: N, inputs: C, outputs: 4 * C)
        zero(w.dMid, N * C)  // d r1
        Kernels.layerNormBackward(w.mid[l], b + L.ln1W, mean: w.ln1Mean[l], rstd: w.ln1Rstd[l], w.dLn, w.dMid, g + L.ln1W, g + L.ln1B, rows: N, cols: C)
        w.dTmp.update(from: w.dMid, count: N * C)
        if dropout { for i in 0..<N * C { w.dTmp[i] *= w.attMask[l][i] } }
        zero(w.dAtt, N * C)
        Kernels.linearBackward(w.att[l], b + L.projW, w.dTmp, dx: w.dAtt, dw: g + L.projW, db: g + L.projB, rows: N, inputs: C, outputs: C)
        zero(w.dQkv, N * 3 * C)
        attentionBackward(w, l)
        w.dX.update(from: w.dMid, count: N * C)
        Kernels.linearBackward(w.xIn[l], b + L.qkvW, w.dQkv, dx: w.dX, dw: g + L.qkvW, db: g + L.qkvB, rows: N, inputs: C, outputs: 3 * C)
      }
    }
    if dropout { for i in 0..<N * C { w.dX[i] *= w.embMask[i] } }
    Kernels.embedBackward(w.tokens, w.dX, dwte: G + L.wte, dwpe: G + L.wpe, batch: B, time: T, channels: C)
  }
}
