import LRSchedules
import Testing

/// Where a peer library refuses (raises at construction or at some update), LRKit refuses too,
/// at the same place, with an error naming the field (cases computed by the real peers).
@Suite("Refusals match the peers")
struct RefusalTests {
  @Test("fixtures are present")
  func present() { #expect(Fixtures.refusals.count >= 40) }

  @Test("refused where the peer refuses", arguments: Fixtures.refusals)
  func refuses(_ c: RefusalCase) {
    if let k = Int(c.raisesAt) {
      // The peer produced updates 0..<k and raised for update k. LRKit either refuses the spec
      // up front (a wrong type, a zero period: stricter than Python's lazy failure) or serves
      // exactly updates 0..<k.
      let decoded: DecodedSchedule
      do {
        decoded = try ScheduleSpec.decode(c.spec)
      } catch {
        #expect(error.field != nil, "no field named: \(error)")
        return
      }
      let metrics = decoded.needsMetrics ? Array(repeating: 1.0, count: k + 1) : nil
      #expect(throws: Never.self, "refused before update \(k)") {
        _ = try decoded.curve(steps: k, metrics: metrics)
      }
      #expect(throws: ScheduleError.self) { _ = try decoded.curve(steps: k + 1, metrics: metrics) }
    } else {
      do {
        let d = try ScheduleSpec.decode(c.spec)
        _ = try d.curve(steps: max(c.numSteps, 1))
        Issue.record("accepted; the peer said: \(c.message)")
      } catch {
        #expect(error.field != nil || error.description.contains("'"), "no field named: \(error)")
      }
    }
  }
}
