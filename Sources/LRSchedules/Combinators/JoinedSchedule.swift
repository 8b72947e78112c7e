/// Schedules joined at boundaries, as `optax.join_schedules` and `mlx.optimizers.join_schedules`
/// join them: at count `c` the last child whose boundary `c` has reached runs, at `c` minus that
/// boundary.
///
/// ```
/// chosen = last i < min(len(boundaries), len(schedules) - 1) with c >= boundaries[i]
/// value(c) = schedules[chosen + 1](c - boundaries[chosen])   (schedules[0](c) if none)
/// ```
///
/// Both peers evaluate every child and select with `where`; the children are pure, so only the
/// chosen one is computed (the same number). A join may hold joins (optax's `sgdr_schedule` is a
/// join of warmup-cosine joins). The tree is flattened into three buffers when the schedule is
/// built, so an evaluation walks it without reference counting: as an indirect enum, each level
/// retained and released its children on every call, 30–45 % of an evaluation's time.
struct JoinedSchedule<Leaf: LearningRateSchedule>: LearningRateSchedule {
  /// The joined schedules as the decoder builds them.
  indirect enum Tree {
    /// One schedule.
    case leaf(Leaf)
    /// `join_schedules(schedules, boundaries)`, with at least one schedule (both decoders refuse
    /// an empty join, as the peers do).
    case join([Tree], boundaries: [Int])
  }

  let storage: JoinedScheduleStorage<Leaf>

  /// Flattens `tree`.
  init(_ tree: Tree) { storage = JoinedScheduleStorage(tree) }

  /// The learning rate of update `count`.
  @inline(__always) func value(at count: Int) -> Leaf.Scalar { storage.value(node: 0, at: count) }
}

/// The flattened tree of a ``JoinedSchedule``: nodes, leaves and the children's indices and
/// boundaries, each in one buffer the schedule never changes after it is built.
final class JoinedScheduleStorage<Leaf: LearningRateSchedule>: @unchecked Sendable {
  /// A join (`leaf` < 0) or a leaf. A join's children are `ints[first ..< first + children]`
  /// (node indices) and its boundaries the `boundaries` ints after them.
  struct Node {
    var leaf: Int
    var first: Int
    var children: Int
    var boundaries: Int
  }

  let nodes: UnsafeMutableBufferPointer<Node>
  let leaves: UnsafeMutableBufferPointer<Leaf>
  let ints: UnsafeMutableBufferPointer<Int>

  init(_ tree: JoinedSchedule<Leaf>.Tree) {
    var nodes: [Node] = []
    var leaves: [Leaf] = []
    var ints: [Int] = []
    func add(_ tree: JoinedSchedule<Leaf>.Tree) -> Int {
      let index = nodes.count
      switch tree {
      case .leaf(let leaf):
        nodes.append(Node(leaf: leaves.count, first: 0, children: 0, boundaries: 0))
        leaves.append(leaf)
      case .join(let children, let boundaries):
        nodes.append(Node(leaf: -1, first: 0, children: children.count, boundaries: boundaries.count))
        let childIndices = children.map(add)
        nodes[index].first = ints.count
        ints += childIndices + boundaries
      }
      return index
    }
    _ = add(tree)
    func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
      let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
      _ = buffer.initialize(from: array)
      return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
    }
    self.nodes = copy(nodes)
    self.leaves = copy(leaves)
    self.ints = copy(ints)
  }

  deinit {
    leaves.deinitialize()
    nodes.baseAddress?.deallocate()
    leaves.baseAddress?.deallocate()
    ints.baseAddress?.deallocate()
  }

  /// The value of node `index` at `count`.
  func value(node index: Int, at count: Int) -> Leaf.Scalar {
    var node = nodes[index]
    var count = count
    while node.leaf < 0 {
      var chosen = 0
      var offset = 0
      for i in 0..<min(node.boundaries, node.children - 1) {
        let boundary = ints[node.first + node.children + i]
        if count >= boundary {
          chosen = i + 1
          offset = boundary
        }
      }
      node = nodes[ints[node.first + chosen]]
      count = count.saturatingSubtract(offset)
    }
    return leaves[node.leaf].value(at: count)
  }
}

extension JoinedSchedule.Tree {
  /// The schedule the decoder hands out: a lone schedule compiled as it is, a join flattened.
  func compiled() -> CompiledSchedule<Leaf.Scalar> {
    switch self {
    case .leaf(let leaf): CompiledSchedule(leaf)
    case .join: CompiledSchedule(JoinedSchedule(self))
    }
  }
}

extension JoinedSchedule.Tree where Leaf.Scalar == Float {
  /// ``compiled()`` for a float32 peer, its values widened to `Double`.
  func compiledWidened() -> CompiledSchedule<Double> {
    switch self {
    case .leaf(let leaf): CompiledSchedule(ConcreteWidened(leaf))
    case .join: CompiledSchedule(ConcreteWidened(JoinedSchedule(self)))
    }
  }
}
