import Foundation

/// The text of a data file shipped in the package's resources (`digits.csv`,
/// `tinyshakespeare.txt`); a missing resource is a typed error naming the file.
func bundledText(_ name: String, _ ext: String) throws(TrainingError) -> String {
  guard let url = Bundle.module.url(forResource: name, withExtension: ext),
    let data = try? Data(contentsOf: url)
  else { throw .invalidData(file: "\(name).\(ext)", reason: "the bundled resource is missing") }
  return String(decoding: data, as: UTF8.self)
}
