import ArgumentParser

/// The dashed long name of a flag plus Hugging Face's underscore spelling of it
/// (`--max-steps` and `--max_steps`), as `TrainingArguments` users type them.
func dashedAndUnderscored(_ dashed: String) -> NameSpecification {
  let underscored = dashed.replacingOccurrences(of: "-", with: "_")
  return underscored == dashed ? [.customLong(dashed)] : [.customLong(dashed), .customLong(underscored)]
}
