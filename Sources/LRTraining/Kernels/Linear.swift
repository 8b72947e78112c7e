extension Kernels {
  /// `y = x · W + b` for `rows` inputs: `x` rows × in, `W` in × out (row-major), `b` out; the bias
  /// is added in the product's last stores (the bits of a separate pass after it).
  public static func linear(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                            _ b: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                            rows: Int, inputs: Int, outputs: Int, threads: Int = GEMM.threads) {
    EngineProfile.measure(.matmulForward) {
      GEMM.multiply(x, lda: inputs, w, ldb: outputs, into: y, ldc: outputs, m: rows, n: outputs, k: inputs,
                    bias: b, threads: threads)
    }
  }

  /// Backward of ``linear(_:_:_:_:rows:inputs:outputs:threads:)``: `dx += dy · Wᵀ` (when `dx` is
  /// given; `dx =` when not `accumulateDx`), `dW += xᵀ · dy`, `db += Σ dy` (summed while `dy` is
  /// packed for `dW`, in a separate pass's order and bits).
  public static func linearBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                    _ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                    dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?,
                                    rows: Int, inputs: Int, outputs: Int, threads: Int = GEMM.threads,
                                    accumulateDx: Bool = true) {
    if let dx {
      EngineProfile.measure(.matmulBackwardInput) {
        GEMM.multiply(dy, lda: outputs, w, transB: true, ldb: outputs, into: dx, ldc: inputs,
                      m: rows, n: inputs, k: outputs, accumulate: accumulateDx, threads: threads)
      }
    }
    EngineProfile.measure(.matmulBackwardWeights) {
      GEMM.multiply(x, transA: true, lda: inputs, dy, ldb: outputs, into: dw, ldc: outputs,
                    m: inputs, n: outputs, k: rows, accumulate: true, biasSum: db, threads: threads)
    }
  }

  /// Token plus position embeddings: `x[b, t] = wte[token] + wpe[t]`.
  public static func embed(_ tokens: UnsafePointer<Int32>, wte: UnsafePointer<Float>,
                           wpe: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>,
                           batch: Int, time: Int, channels: Int) {
    EngineProfile.measure(.embedding) {
      for b in 0..<batch {
        for t in 0..<time {
          let row = x + (b * time + t) * channels
          let te = wte + Int(tokens[b * time + t]) * channels
          let pe = wpe + t * channels
          for c in 0..<channels { row[c] = te[c] + pe[c] }
        }
      }
    }
  }

  /// Embedding backward: scatter-adds `dx` into `dwte` and `dwpe`.
  public static func embedBackward(_ tokens: UnsafePointer<Int32>, _ dx: UnsafePointer<Float>,
                                   dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>,
                                   batch: Int, time: Int, channels: Int) {
    EngineProfile.measure(.embedding) {
      for b in 0..<batch {
        for t in 0..<time {
          let row = dx + (b * time + t) * channels
          let te = dwte + Int(tokens[b * time + t]) * channels
          let pe = dwpe + t * channels
          for c in 0..<channels {
            te[c] += row[c]
            pe[c] += row[c]
          }
        }
      }
    }
  }
}
