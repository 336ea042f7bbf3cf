/// Which ModelPack layer media type a bundle file gets, decided from its path (FORMAT.md §15.3).
///
/// Well-known names and extensions (`*.safetensors`, `config.json`, `README.md`, `*.py` …) are *tested*; any
/// other file is classified by a weaker rule and marked `org.cncf.model.file.mediatype.untested`, so consumers
/// know the type is a guess. A media type recorded in the registry manifest that is already a ModelPack raw
/// layer type wins over both (an imported artifact keeps the types it came with).
public struct FileClassification: Hashable, Sendable {
    /// The layer media type (one of the `…v1.raw` types of ``OCIMediaType``).
    public var mediaType: String
    /// Whether the type is a guess.
    public var isUntested: Bool

    /// Creates a classification.
    public init(mediaType: String, isUntested: Bool) {
        self.mediaType = mediaType
        self.isUntested = isUntested
    }

    private static let weightExtensions: Set<String> = [
        "safetensors", "gguf", "ggml", "onnx", "pt", "pth", "ckpt", "h5", "keras", "tflite", "pb", "mlmodel",
        "msgpack", "engine", "plan",
    ]
    private static let configNames: Set<String> = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "tokenizer.model", "preprocessor_config.json",
        "chat_template.json", "chat_template.jinja", "contract.json",
    ]
    private static let docNames: Set<String> = [
        "readme", "readme.md", "readme.txt", "readme.rst", "license", "license.md", "license.txt", "notice",
        "notice.md", "model_card.md", "modelcard.md", "evaluation-card.json", "lineage.json", "use_policy.md",
    ]
    private static let codeExtensions: Set<String> = [
        "py", "sh", "js", "ts", "swift", "c", "cc", "cpp", "h", "hpp", "go", "rs", "java", "ipynb", "rb", "lua",
    ]
    private static let datasetExtensions: Set<String> = ["csv", "tsv", "parquet", "arrow", "jsonl", "tfrecord"]
    private static let configExtensions: Set<String> = ["json", "yaml", "yml", "toml", "ini", "cfg", "jinja"]
    private static let docExtensions: Set<String> = ["md", "txt", "rst", "pdf", "html"]

    /// Classifies the file at bundle path `path`.
    ///
    /// - Parameter recordedMediaType: the `mediaType` of its manifest entry, if any.
    public static func classify(path: String, recordedMediaType: String? = nil) -> FileClassification {
        if let recorded = recordedMediaType.map(OCIMediaType.normalized), OCIMediaType.isRawModelLayer(recorded) {
            return FileClassification(mediaType: recorded, isUntested: false)
        }
        let name = String(path.split(separator: "/").last ?? Substring(path)).lowercased()
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { String(name[name.index(after: $0)...]) } ?? ""
        if weightExtensions.contains(ext) { return .init(mediaType: OCIMediaType.weightRaw, isUntested: false) }
        if configNames.contains(name) { return .init(mediaType: OCIMediaType.weightConfigRaw, isUntested: false) }
        if docNames.contains(name) { return .init(mediaType: OCIMediaType.docRaw, isUntested: false) }
        if codeExtensions.contains(ext) { return .init(mediaType: OCIMediaType.codeRaw, isUntested: false) }
        if name == "requirements.txt" { return .init(mediaType: OCIMediaType.codeRaw, isUntested: false) }
        if datasetExtensions.contains(ext) { return .init(mediaType: OCIMediaType.datasetRaw, isUntested: true) }
        if configExtensions.contains(ext) { return .init(mediaType: OCIMediaType.weightConfigRaw, isUntested: true) }
        if docExtensions.contains(ext) { return .init(mediaType: OCIMediaType.docRaw, isUntested: true) }
        // Anything else in a model directory (`*.bin`, `*.npz`, files without an extension) is most likely weights.
        return .init(mediaType: OCIMediaType.weightRaw, isUntested: true)
    }

    /// The `config.format` for a set of bundle paths: the extension of the weights (`safetensors`, `gguf`,
    /// `onnx`, `pytorch` for `.pt`/`.pth`/`.bin`, `keras`, `tflite`, `tensorflow`), the first in path order;
    /// nil when none is recognised.
    public static func format(of paths: [String]) -> String? {
        let formats = [
            "safetensors": "safetensors", "gguf": "gguf", "onnx": "onnx", "pt": "pytorch", "pth": "pytorch",
            "bin": "pytorch", "ckpt": "pytorch", "keras": "keras", "h5": "keras", "tflite": "tflite",
            "pb": "tensorflow",
        ]
        for path in paths {
            guard let dot = path.lastIndex(of: ".") else { continue }
            if let format = formats[path[path.index(after: dot)...].lowercased()] { return format }
        }
        return nil
    }
}
