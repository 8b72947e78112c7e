// The JSON lines lrkit-bench prints, and its clock.
import CKernels
import Dispatch
import Foundation

/// Monotonic nanoseconds.
func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Best of `repeats` timings of `body`, in nanoseconds.
func best(_ repeats: Int, _ body: () -> Void) -> Double {
  var bestTime = UInt64.max
  for _ in 0..<repeats {
    let t0 = now()
    body()
    bestTime = min(bestTime, now() - t0)
  }
  return Double(bestTime)
}

/// Prints one JSON object, the fields already JSON text.
func emit(_ fields: [(String, String)]) {
  let body = fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
  print("{\(body)}")
}

/// `s` as a JSON string (the bench's names: no quote or backslash in them).
func quoted(_ s: String) -> String { "\"\(s)\"" }

/// One core's FMA peak in GFLOP/s: the best of three timings of `lrkit_fma_peak`.
func corePeakGFLOPs() -> Double {
  var peak = 0.0
  for _ in 0..<3 {
    let t0 = now()
    let flops = lrkit_fma_peak(20_000_000)
    peak = max(peak, flops / Double(now() - t0))
  }
  return peak
}

/// `x` with three decimals, or `null` when it is not finite (JSON has no NaN or infinity).
func rounded(_ x: Double) -> String { x.isFinite ? String(format: "%.3f", x) : "null" }

