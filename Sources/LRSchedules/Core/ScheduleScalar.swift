#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(ucrt)
  import ucrt
#endif

/// A floating-point type a schedule can be evaluated in: `Double` (the float64 peers) or
/// `Float` (the float32 peers: Keras, MLX, optax without x64).
///
/// The elementary functions are named after swift-numerics' `ElementaryFunctions` and call the
/// platform libm, the same library Python's `math` module uses.
public protocol ScheduleScalar: BinaryFloatingPoint, Sendable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
  /// The cosine of `x` (radians).
  static func cos(_ x: Self) -> Self
  /// The sine of `x` (radians).
  static func sin(_ x: Self) -> Self
  /// `e` raised to `x`.
  static func exp(_ x: Self) -> Self
  /// The natural logarithm of `x`.
  static func log(_ x: Self) -> Self
  /// `x` raised to `y`, as C's `pow`.
  static func pow(_ x: Self, _ y: Self) -> Self
  /// The hyperbolic tangent of `x`.
  static func tanh(_ x: Self) -> Self
}

extension Double: ScheduleScalar {
  /// The cosine of `x`, from libm.
  @inlinable public static func cos(_ x: Double) -> Double { _cos(x) }
  /// The sine of `x`, from libm.
  @inlinable public static func sin(_ x: Double) -> Double { _sin(x) }
  /// `e` raised to `x`, from libm.
  @inlinable public static func exp(_ x: Double) -> Double { _exp(x) }
  /// The natural logarithm of `x`, from libm.
  @inlinable public static func log(_ x: Double) -> Double { _log(x) }
  /// `x` raised to `y`, from libm.
  @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { _pow(x, y) }
  /// The hyperbolic tangent of `x`, from libm.
  @inlinable public static func tanh(_ x: Double) -> Double { _tanh(x) }
}

extension Float: ScheduleScalar {
  /// The cosine of `x`, from libm (`cosf`).
  @inlinable public static func cos(_ x: Float) -> Float { _cosf(x) }
  /// The sine of `x`, from libm (`sinf`).
  @inlinable public static func sin(_ x: Float) -> Float { _sinf(x) }
  /// `e` raised to `x`, from libm (`expf`).
  @inlinable public static func exp(_ x: Float) -> Float { _expf(x) }
  /// The natural logarithm of `x`, from libm (`logf`).
  @inlinable public static func log(_ x: Float) -> Float { _logf(x) }
  /// `x` raised to `y`, from libm (`powf`).
  @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { _powf(x, y) }
  /// The hyperbolic tangent of `x`, from libm (`tanhf`).
  @inlinable public static func tanh(_ x: Float) -> Float { _tanhf(x) }
}

// The libm entry points under names that do not collide with the static requirements above.
@usableFromInline func _cos(_ x: Double) -> Double { cos(x) }
@usableFromInline func _sin(_ x: Double) -> Double { sin(x) }
@usableFromInline func _exp(_ x: Double) -> Double { exp(x) }
@usableFromInline func _log(_ x: Double) -> Double { log(x) }
@usableFromInline func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@usableFromInline func _tanh(_ x: Double) -> Double { tanh(x) }
@usableFromInline func _cosf(_ x: Float) -> Float { cosf(x) }
@usableFromInline func _sinf(_ x: Float) -> Float { sinf(x) }
@usableFromInline func _expf(_ x: Float) -> Float { expf(x) }
@usableFromInline func _logf(_ x: Float) -> Float { logf(x) }
@usableFromInline func _powf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@usableFromInline func _tanhf(_ x: Float) -> Float { tanhf(x) }


extension ScheduleScalar {
  /// `Self(k)`, the same value bit for bit, converted without x86's `cvtsi2sd`/`cvtsi2ss`.
  ///
  /// ```
  /// Double: bits(2⁵² + k) − 2⁵²   for 0 ≤ k < 2⁵²
  /// Float:  bits(2²³ + k) − 2²³   for 0 ≤ k < 2²³
  /// ```
  /// Those instructions write only the low lane of their register and so wait for whatever last
  /// wrote it. At the start of an evaluation that is often the previous evaluation's result
  /// (LLVM assumes a register no argument arrives in was written long ago), which chained every
  /// evaluation to the one before it: `tanh` measured 60 ns per evaluation at random steps
  /// instead of about 30. The sum of the magic constant and `k` is exact in these ranges, so the
  /// value is `Self(k)` exactly; other `k` (negative, or beyond 2²³ in `Float`) take `Self(k)`.
  @inlinable @inline(__always)
  init(integer k: Int) {
    if Self.self == Double.self, UInt(bitPattern: k) < 1 << 52 {
      self = unsafeBitCast(Double(bitPattern: 0x4330_0000_0000_0000 | UInt64(k)) - 0x1p52, to: Self.self)
    } else if Self.self == Float.self, UInt(bitPattern: k) < 1 << 23 {
      self = unsafeBitCast(Float(bitPattern: 0x4B00_0000 | UInt32(k)) - 0x1p23, to: Self.self)
    } else {
      self.init(k)
    }
  }
}
