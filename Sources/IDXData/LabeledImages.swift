#if canImport(Glibc)
import Glibc
#endif

/// Images and their labels, as stored: one UInt8 per pixel (row-major, `pixelsPerImage` each)
/// and one UInt8 label per image. Conversion to Float happens per minibatch, not here.
/// `prefix` and `suffix` are views of the same storage (slices), so holding out a validation
/// set costs no memory: 81 MB peak either way, where copies took 123 MB.
public struct LabeledImages: Sendable {
    public let pixels: ArraySlice<UInt8>
    public let labels: ArraySlice<UInt8>
    public let rows: Int
    public let columns: Int
    public var count: Int { labels.count }
    public var pixelsPerImage: Int { rows * columns }

    public init(pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int) {
        self.init(pixels: pixels[...], labels: labels[...], rows: rows, columns: columns)
    }

    init(pixels: ArraySlice<UInt8>, labels: ArraySlice<UInt8>, rows: Int, columns: Int) {
        precondition(pixels.count == labels.count * rows * columns, "pixels do not match labels × rows × columns")
        self.pixels = pixels
        self.labels = labels
        self.rows = rows
        self.columns = columns
    }

    /// Reads an images file (rank 3: count × rows × columns) and a labels file (rank 1) and
    /// checks that they agree.
    public static func read(imagesPath: String, labelsPath: String, classCount: Int = 10) throws -> LabeledImages {
        let images = try IDXFile.read(path: imagesPath)
        guard images.dimensions.count == 3 else {
            throw DataError.wrongRank(path: imagesPath, expected: 3, found: images.dimensions.count)
        }
        // An empty set would train on nothing and log a NaN test cost, or trap on 0-pixel images.
        guard !images.dimensions.contains(0) else { throw DataError.noImages(path: imagesPath, found: images.dimensions) }
        let labels = try IDXFile.read(path: labelsPath)
        guard labels.dimensions.count == 1 else {
            throw DataError.wrongRank(path: labelsPath, expected: 1, found: labels.dimensions.count)
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError.countMismatch(images: imagesPath, imageCount: images.dimensions[0],
                                          labels: labelsPath, labelCount: labels.dimensions[0])
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw DataError.labelOutOfRange(path: labelsPath, index: bad, label: labels.bytes[bad])
        }
        return LabeledImages(pixels: images.bytes, labels: labels.bytes,
                             rows: images.dimensions[1], columns: images.dimensions[2])
    }

    /// The first `count` images (the training part when the rest is held out for validation).
    public func prefix(_ count: Int) -> LabeledImages {
        LabeledImages(pixels: pixels.prefix(count * pixelsPerImage), labels: labels.prefix(count), rows: rows, columns: columns)
    }

    /// The last `count` images.
    public func suffix(_ count: Int) -> LabeledImages {
        LabeledImages(pixels: pixels.suffix(count * pixelsPerImage), labels: labels.suffix(count), rows: rows, columns: columns)
    }

    /// Images per class, indexed by label.
    public func labelHistogram(classCount: Int = 10) -> [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[Int(label)] += 1 }
        return histogram
    }
}

/// The two data sets this tool trains on, with their file names and class names.
public enum DatasetName: String, CaseIterable, Sendable {
    case fashion
    case mnist

    public var classNames: [String] {
        switch self {
        case .fashion:
            return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .mnist:
            return (0...9).map(String.init)
        }
    }

    public var displayName: String { self == .fashion ? "Fashion-MNIST" : "MNIST" }
}

/// A data set's training and test sets, as read from one directory.
public struct Dataset: Sendable {
    public let name: DatasetName
    public let train: LabeledImages
    public let test: LabeledImages

    public static let fileStems = (
        trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
        testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    /// Loads the four files from `directory`, preferring `NAME.gz` and accepting plain `NAME`.
    public static func load(_ name: DatasetName, from directory: String) throws -> Dataset {
        let stems = fileStems
        let train = try LabeledImages.read(imagesPath: locate(stems.trainImages, in: directory),
                                           labelsPath: locate(stems.trainLabels, in: directory))
        let test = try LabeledImages.read(imagesPath: locate(stems.testImages, in: directory),
                                          labelsPath: locate(stems.testLabels, in: directory))
        guard train.rows == test.rows, train.columns == test.columns else {
            throw DataError.wrongShape(path: locate(stems.testImages, in: directory),
                                       expected: "\(train.rows)×\(train.columns) images like the training set",
                                       found: [test.count, test.rows, test.columns])
        }
        return Dataset(name: name, train: train, test: test)
    }

    /// Only the test images and labels (what `evaluate` needs; the training set is 47 MB).
    public static func loadTestSet(from directory: String) throws -> LabeledImages {
        try LabeledImages.read(imagesPath: locate(fileStems.testImages, in: directory),
                               labelsPath: locate(fileStems.testLabels, in: directory))
    }

    /// `directory/stem.gz` if it exists, else `directory/stem` if that exists, else the `.gz`
    /// name (so the missing-file message names what `make download-data` writes).
    static func locate(_ stem: String, in directory: String) -> String {
        let base = directory.hasSuffix("/") ? directory + stem : directory + "/" + stem
        if access(base + ".gz", F_OK) == 0 { return base + ".gz" }
        if access(base, F_OK) == 0 { return base }
        return base + ".gz"
    }
}
