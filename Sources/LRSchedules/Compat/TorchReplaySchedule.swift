#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A replayed PyTorch scheduler as a schedule: the replay runs once, forward, and its values
/// are kept, so evaluating update `k` costs O(k) once and a table lookup after that (a driver
/// stepping update by update pays O(1) per update). Values past the first 2^24 updates are
/// recomputed from the replay's state there instead of kept.
struct TorchReplaySchedule: LearningRateSchedule {
  let table: ReplayTable

  init(_ replay: TorchReplay) { table = ReplayTable(replay) }

  func value(at step: Int) -> Double { table.entry(max(step, 0)).lr }

  func fill(_ buffer: UnsafeMutableBufferPointer<Double>, from start: Int) {
    // Steps before 0 take update 0's value, as `value(at:)` does.
    let before = start < 0 ? min(buffer.count, 0.saturatingSubtract(start)) : 0
    if before > 0 { buffer.baseAddress!.update(repeating: table.entry(0).lr, count: before) }
    guard before < buffer.count else { return }
    table.fill(UnsafeMutableBufferPointer(rebasing: buffer[before...]), from: max(start, 0))
  }

  /// The momentum the replay leaves in the param group at each update.
  var momentum: MomentumSchedule {
    let table = self.table
    return MomentumSchedule { table.entry(max($0, 0)).momentum }
  }

  /// Where the replay raises within the first `steps` updates.
  func limit(within steps: Int) -> StepLimit? {
    guard steps > 0, let failure = table.failure(within: steps) else { return nil }
    return StepLimit(steps: failure.step, field: failure.path, reason: failure.reason)
  }
}

/// The values of a replay, computed forward on demand and kept; thread-safe.
final class ReplayTable: @unchecked Sendable {
  struct Entry {
    var lr: Double
    var momentum: Double?
  }

  struct Failure {
    var step: Int
    var path: String
    var reason: String
  }

  static let keepLimit = 1 << 24

  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var replay: TorchReplay
  private var entries: [Entry] = []
  private var failed: Failure?

  init(_ replay: TorchReplay) {
    self.replay = replay
    mutex = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    entries.append(Entry(lr: replay.group.lr, momentum: replay.group.momentum))
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  private func locked<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }

  /// Runs the replay forward until `count` entries exist (or it raises, or the keep limit).
  private func extend(to count: Int) {
    let target = min(count, Self.keepLimit)
    guard failed == nil, entries.count < target else { return }
    entries.reserveCapacity(target)
    while entries.count < target {
      do throws(TorchReplay.Raised) {
        try replay.step(replay.root)
      } catch {
        failed = Failure(step: entries.count, path: error.path, reason: error.reason)
        return
      }
      entries.append(Entry(lr: replay.group.lr, momentum: replay.group.momentum))
    }
  }

  /// The entry of update `k` (NaN past a failure).
  func entry(_ k: Int) -> Entry {
    locked {
      if k < entries.count { return entries[k] }
      extend(to: k.saturatingAdd(1))
      if k < entries.count { return entries[k] }
      if failed != nil { return Entry(lr: .nan, momentum: nil) }
      // Past the keep limit: continue a copy of the replay without keeping.
      var copy = replay
      var last = entries[entries.count - 1]
      for _ in entries.count...k {
        do {
          try copy.step(copy.root)
        } catch {
          return Entry(lr: .nan, momentum: nil)
        }
        last = Entry(lr: copy.group.lr, momentum: copy.group.momentum)
      }
      return last
    }
  }

  /// Writes the lr of updates `start..<start + buffer.count`.
  func fill(_ buffer: UnsafeMutableBufferPointer<Double>, from start: Int) {
    locked { extend(to: start.saturatingAdd(buffer.count)) }
    for i in buffer.indices {
      let k = start + i
      let available = locked { k < entries.count ? entries[k].lr : nil }
      buffer[i] = available ?? entry(k).lr
    }
  }

  /// The first failure within `steps` updates, if any.
  func failure(within steps: Int) -> Failure? {
    locked {
      extend(to: steps)
      if let failed, failed.step < steps { return failed }
      if steps > Self.keepLimit {
        var copy = replay
        for k in entries.count..<steps {
          do throws(TorchReplay.Raised) {
            try copy.step(copy.root)
          } catch {
            return Failure(step: k, path: error.path, reason: error.reason)
          }
        }
      }
      return nil
    }
  }
}
