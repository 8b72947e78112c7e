import Foundation
import Testing

@testable import LRSchedules

/// A schedule may be evaluated at any `Int` step. Offsets such as `step − begin` once trapped
/// on overflow at the ends of the range (optax's polynomial and piecewise schedules, timm's
/// multi-step, native exponential and polynomial, joins, warmup and sequence fills, PyTorch's
/// warm restarts); they saturate now, and these tests evaluate every kind at the extremes.
@Suite("Any step, Int.min to Int.max, evaluates without trapping")
struct ExtremeStepTests {
  static let extremes = [Int.max, Int.min, Int.max - 1, Int.min + 1, Int.max / 2, -(1 << 62), 1 << 62,
                         (1 << 53) + 1, -((1 << 53) + 1), 1 << 40, -1]
  /// Starts of a four-step bulk evaluation: both ends of the range, and around 0.
  static let fillStarts = [Int.max - 3, Int.min, Int.min + 7, Int.max / 2, -2, -(1 << 62)]

  /// Evaluates `decoded` at every extreme step and fills four steps from every start; the bulk
  /// values agree with the point values (bulk paths may differ in the last bits).
  static func exercise(_ decoded: DecodedSchedule, _ label: String, largeSteps: Bool = true) {
    let steps = largeSteps ? extremes : extremes.filter { $0 < 1 << 20 }
    for s in steps {
      _ = decoded.lr.value(at: s)
      _ = decoded.momentum?.value(at: s)
    }
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: 4)
    defer { buffer.deallocate() }
    for start in fillStarts where largeSteps || start < 1 << 20 {
      decoded.lr.fill(buffer, from: start)
      for i in 0..<4 {
        let point = decoded.lr.value(at: start + i)
        let agree = point.isNaN ? buffer[i].isNaN : abs(buffer[i] - point) <= 1e-12 * max(abs(point), 1e-300) || buffer[i] == point
        #expect(agree, "\(label): fill from \(start) at \(i): \(buffer[i]) against value(at:) \(point)")
      }
    }
  }

  @Test("random native specs of every family and decoration (a new seed each run)")
  func native() throws {
    var d = NativeReferenceTests.Draw()
    for _ in 0..<60 {
      for type in NativeReferenceTests.families {
        let text = NativeReferenceTests.json(NativeReferenceTests.randomSpec(type, &d))
        let decoded = try ScheduleSpec.decode(text: text)
        Self.exercise(decoded, "seed \(d.seed): \(text)")
        // A native schedule never answers NaN (a growing exponential may reach infinity).
        for s in Self.extremes {
          #expect(!decoded.lr.value(at: s).isNaN, "seed \(d.seed): \(text) at \(s)")
        }
      }
    }
  }

  @Test("every peer spec of the parity fixtures (a PyTorch replay only where it can run: O(step))")
  func peers() throws {
    var count = 0
    for c in Fixtures.allParityCases where c.metrics == nil {
      guard let decoded = try? ScheduleSpec.decode(c.spec) else { continue }
      Self.exercise(decoded, "\(c.library) \(c.name)", largeSteps: decoded.replayLimit == nil)
      count += 1
    }
    #expect(count > 300)
  }

  @Test("every peer spec's bulk path gives value(at:)'s bits: the whole fixture curve, and from a random start")
  func peerFillsExact() throws {
    var count = 0
    var g = SystemRandomNumberGenerator()
    for c in Fixtures.allParityCases where c.metrics == nil {
      guard let decoded = try? ScheduleSpec.decode(c.spec), c.numSteps > 0 else { continue }
      for start in [0, Int.random(in: -5...c.numSteps, using: &g)] {
        let n = c.numSteps
        let filled = [Double](unsafeUninitializedCapacity: n) { buffer, written in
          decoded.lr.fill(buffer, from: start)
          written = n
        }
        let differ = (0..<n).filter { filled[$0].bitPattern != decoded.lr.value(at: start + $0).bitPattern }
        #expect(differ.isEmpty, "\(c.library) \(c.name): fill from \(start) differs at \(differ.prefix(5).map { start + $0 })")
      }
      count += 1
    }
    #expect(count > 800)
  }

  @Test("saturating offsets: held at the ends of Int, exact elsewhere")
  func saturating() {
    #expect(Int.min.saturatingSubtract(1) == Int.min)
    #expect(Int.max.saturatingSubtract(-1) == Int.max)
    #expect(Int.max.saturatingAdd(1) == Int.max)
    #expect(Int.min.saturatingAdd(-5) == Int.min)
    #expect(5.saturatingSubtract(7) == -2)
    #expect((-3).saturatingAdd(10) == 7)
    #expect(0.saturatingSubtract(Int.min) == Int.max)
  }
}
