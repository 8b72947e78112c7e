#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The natural logarithm, from libm.
@inline(__always) func naturalLog(_ x: Double) -> Double { log(x) }
