/// What the trainer trains: a model, its data and how a batch is drawn for an update. The
/// trainer's loop (clip, update, evaluate, log, checkpoint) is the same for every task.
protocol TrainingTask {
  /// The named parameter ranges (weight decay is applied to matrices only).
  var tensors: [(name: String, range: Range<Int>)] { get }
  /// Freshly initialised parameters for `seed`.
  func initialParameters(seed: UInt64) -> [Float]
  /// The loss of update `step`'s batch and, when `gradients` is not nil, its gradient; returns
  /// the loss and the number of examples or tokens processed. `seed(step, stream)` gives the
  /// update's random streams (batch order, dropout), so a run is a function of its seed.
  func lossAndGradients(step: Int, parameters: [Float], gradients: inout [Float]?,
                        seed: (Int, UInt64) -> UInt64) -> (loss: Double, items: Int)
  /// The validation loss (and accuracy, where the task has one) for `parameters`.
  func evaluate(parameters: [Float]) -> (loss: Double, accuracy: Double?)
}
