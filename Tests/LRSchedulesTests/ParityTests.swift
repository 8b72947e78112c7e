import Foundation
import LRSchedules
import Testing

/// Every fixture case computed by the real peer libraries must be reproduced: within 1e-9
/// relative for the float64 peers, within float32 rounding (8 ulp) for Keras and MLX.
@Suite("Parity with the peer libraries")
struct ParityTests {
  static func tolerance(_ library: String) -> Double {
    Fixtures.float32Libraries.contains(library) ? 8 * Double(Float.ulpOfOne) : 1e-9
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
    let tol = Self.tolerance(c.library)
    let (err, at) = worstRelativeError(curve.lr, c.lr, floorFraction: 1e-12)
    #expect(err <= tol, "lr differs by \(err) relative at step \(at): ours \(at >= 0 ? curve.lr[at] : 0), peer \(at >= 0 ? c.lr[at] : 0)")
    if let peerMomentum = c.momentum {
      let ours = try #require(curve.momentum, "the peer drives momentum, we do not")
      let (mErr, mAt) = worstRelativeError(ours, peerMomentum, floorFraction: 1e-12)
      #expect(mErr <= tol, "momentum differs by \(mErr) at step \(mAt)")
    }
  }
}
