extension LearningRateSchedule {
  /// Writes `value(at: start + i)` into `buffer[i]`, splitting the work into `parts` contiguous
  /// chunks on concurrent tasks, each through the bulk path (`fill`).
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int, parts: Int) async
  {
    let n = buffer.count
    let chunks = max(1, min(parts, n / 4096 + 1))
    guard chunks > 1, let address = buffer.baseAddress else {
      fill(buffer, from: start)
      return
    }
    let base = SendableAddress(address)
    await withTaskGroup(of: Void.self) { group in
      for c in 0..<chunks {
        let lo = n * c / chunks
        let hi = n * (c + 1) / chunks
        group.addTask {
          self.fill(UnsafeMutableBufferPointer(start: base.pointer + lo, count: hi - lo),
                    from: start + lo)
        }
      }
    }
  }

  /// The learning rates of the updates in `range`, computed in `parts` concurrent chunks.
  public func values(in range: Range<Int>, parts: Int) async -> [Scalar] {
    let buffer = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: range.count)
    defer { buffer.deallocate() }
    await fill(buffer, from: range.lowerBound, parts: parts)
    return Array(buffer)
  }
}

/// A buffer address handed to child tasks that write disjoint parts of it.
struct SendableAddress<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>
  init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
