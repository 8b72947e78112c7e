import Foundation
import LRSchedules
import Testing

/// Every fixture case computed by the real peer libraries must be reproduced: within 1e-9
/// relative for the float64 peers (with a floor of 1e-12 of the curve's peak for values at or
/// near zero), within float32 rounding for Keras and MLX: 8 ulp of the value, or 4 ulp of the
/// peak where float32 cancellation near zero (e.g. 1 + cos near the end of a cosine) dominates.
@Suite("Parity with the peer libraries")
struct ParityTests {
  /// (relative to the value, relative to the curve's peak)
  static func tolerance(_ library: String) -> (Double, Double) {
    Fixtures.float32Libraries.contains(library)
      ? (8 * Double(Float.ulpOfOne), 4 * Double(Float.ulpOfOne)) : (1e-9, 1e-12)
  }

  @Test("fixtures are present for every peer")
  func fixturesPresent() {
    for lib in Fixtures.float64Libraries + Fixtures.float32Libraries {
      #expect(!Fixtures.cases(lib).isEmpty, "no fixture cases for \(lib)")
    }
  }

  @Test("matches the peer", arguments: Fixtures.allParityCases)
  func matchesPeer(_ c: ParityCase) throws {
    let decoded = try ScheduleSpec.decode(c.spec)
    let curve = try decoded.curve(steps: c.numSteps, metrics: c.metrics)
    let (rel, abs) = Self.tolerance(c.library)
    let (ratio, at) = worstError(curve.lr, c.lr, relative: rel, absoluteOfPeak: abs)
    #expect(ratio <= 1, "lr off by \(ratio)× the tolerance at step \(at): ours \(at >= 0 && at < curve.lr.count ? curve.lr[at] : .nan), peer \(at >= 0 && at < c.lr.count ? c.lr[at] : .nan)")
    if let peerMomentum = c.momentum {
      let driven = try #require(curve.momentum, "the peer drives momentum, we do not")
      let ours = driven.map { $0 ?? .nan }
      let (mRatio, mAt) = worstError(ours, peerMomentum, relative: rel, absoluteOfPeak: abs)
      #expect(mRatio <= 1, "momentum off by \(mRatio)× the tolerance at step \(mAt)")
    }
  }
}
