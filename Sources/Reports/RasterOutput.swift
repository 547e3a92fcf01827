import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// PNG and PDF from the one SVG drawing, rendered by librsvg onto a cairo surface. The two
/// libraries are loaded when first needed (dlopen of the runtime packages librsvg2-2 and
/// libcairo2), so building and `make run` need no extra development packages, and a machine
/// without them loses only --png and --pdf, with a message saying what to install.
public enum RasterOutput {
    public enum Format: Sendable { case png, pdf }
    /// PNG pixels per SVG pixel: 2 gives sharp pictures on slides and high-density screens.
    public static let pngScale = 2.0

    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
    }

    typealias NewFromData = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UnsafeMutableRawPointer?
    typealias RenderDocument = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    typealias Unref = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias ImageSurfaceCreate = @convention(c) (Int32, Int32, Int32) -> UnsafeMutableRawPointer?
    typealias PDFSurfaceCreate = @convention(c) (UnsafePointer<CChar>?, Double, Double) -> UnsafeMutableRawPointer?
    typealias Create = @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?
    typealias Scale = @convention(c) (UnsafeMutableRawPointer?, Double, Double) -> Void
    typealias WritePNG = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32
    typealias Status = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    struct Library: @unchecked Sendable {
        let newFromData: NewFromData, renderDocument: RenderDocument, objectUnref: Unref, errorFree: Unref
        let imageSurfaceCreate: ImageSurfaceCreate, pdfSurfaceCreate: PDFSurfaceCreate, create: Create, scale: Scale
        let writePNG: WritePNG, surfaceFinish: Unref, surfaceStatus: Status, surfaceDestroy: Unref, destroy: Unref, status: Status
    }

    /// The loaded functions, or the reason they are not available.
    static let library: Result<Library, Failure> = {
        func open(_ name: String) -> UnsafeMutableRawPointer? { dlopen(name, RTLD_NOW | RTLD_LOCAL) }
        guard let rsvg = open("librsvg-2.so.2"), let cairo = open("libcairo.so.2"),
              let gobject = open("libgobject-2.0.so.0"), let glib = open("libglib-2.0.so.0") else {
            return .failure(Failure(path: "", problem: "PNG and PDF need librsvg and cairo (Debian/Ubuntu: apt-get install librsvg2-2 libcairo2); SVG works without them"))
        }
        func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, as: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let newFromData = symbol(rsvg, "rsvg_handle_new_from_data", as: NewFromData.self),
              let renderDocument = symbol(rsvg, "rsvg_handle_render_document", as: RenderDocument.self),
              let objectUnref = symbol(gobject, "g_object_unref", as: Unref.self),
              let errorFree = symbol(glib, "g_error_free", as: Unref.self),
              let imageSurfaceCreate = symbol(cairo, "cairo_image_surface_create", as: ImageSurfaceCreate.self),
              let pdfSurfaceCreate = symbol(cairo, "cairo_pdf_surface_create", as: PDFSurfaceCreate.self),
              let create = symbol(cairo, "cairo_create", as: Create.self),
              let scale = symbol(cairo, "cairo_scale", as: Scale.self),
              let writePNG = symbol(cairo, "cairo_surface_write_to_png", as: WritePNG.self),
              let surfaceFinish = symbol(cairo, "cairo_surface_finish", as: Unref.self),
              let surfaceStatus = symbol(cairo, "cairo_surface_status", as: Status.self),
              let surfaceDestroy = symbol(cairo, "cairo_surface_destroy", as: Unref.self),
              let destroy = symbol(cairo, "cairo_destroy", as: Unref.self),
              let status = symbol(cairo, "cairo_status", as: Status.self) else {
            return .failure(Failure(path: "", problem: "the installed librsvg (older than 2.46) or cairo lacks a function PNG and PDF need"))
        }
        return .success(Library(newFromData: newFromData, renderDocument: renderDocument, objectUnref: objectUnref, errorFree: errorFree,
                                imageSurfaceCreate: imageSurfaceCreate, pdfSurfaceCreate: pdfSurfaceCreate, create: create, scale: scale,
                                writePNG: writePNG, surfaceFinish: surfaceFinish, surfaceStatus: surfaceStatus,
                                surfaceDestroy: surfaceDestroy, destroy: destroy, status: status))
    }()

    /// Whether PNG and PDF can be written on this machine.
    public static var isAvailable: Bool { if case .success = library { return true } else { return false } }

    /// The width and height attributes of our own SVG's root element, in pixels.
    static func size(of svg: String) -> (Double, Double)? {
        guard let open = svg.range(of: "<svg") else { return nil }
        let tag = svg[open.lowerBound...].prefix { $0 != ">" }
        func attribute(_ name: String) -> Double? {
            guard let r = tag.range(of: " \(name)=\"") else { return nil }
            return Double(tag[r.upperBound...].prefix { $0 != "\"" })
        }
        guard let w = attribute("width"), let h = attribute("height"), w > 0, h > 0, w < 20000, h < 20000 else { return nil }
        return (w, h)
    }

    /// Renders `svg` into `path` (written to a temporary name beside it, then renamed).
    public static func render(svg: String, to path: String, format: Format) throws {
        let lib: Library
        switch library {
        case .success(let loaded): lib = loaded
        case .failure(let failure): throw Failure(path: path, problem: failure.problem)
        }
        guard let (width, height) = size(of: svg) else { throw Failure(path: path, problem: "the drawing has no size to render") }
        var error: UnsafeMutableRawPointer?
        let bytes = Array(svg.utf8)
        guard let handle = bytes.withUnsafeBufferPointer({ lib.newFromData($0.baseAddress, $0.count, &error) }) else {
            throw Failure(path: path, problem: "librsvg could not read the drawing: \(message(error, lib))")
        }
        defer { lib.objectUnref(handle) }
        let temporary = path + ".tmp-\(getpid())"
        let surface: UnsafeMutableRawPointer?
        let factor: Double
        switch format {
        case .png:
            factor = pngScale
            surface = lib.imageSurfaceCreate(0 /* CAIRO_FORMAT_ARGB32 */, Int32((width * factor).rounded(.up)), Int32((height * factor).rounded(.up)))
        case .pdf:
            factor = 0.75  // CSS pixels (1/96 in) to PDF points (1/72 in)
            surface = temporary.withCString { lib.pdfSurfaceCreate($0, width * factor, height * factor) }
        }
        guard let surface, lib.surfaceStatus(surface) == 0 else {
            if let surface { lib.surfaceDestroy(surface) }
            unlink(temporary)
            throw Failure(path: path, problem: "cannot be written (cairo could not make a \(format == .png ? "PNG" : "PDF") surface)")
        }
        let context = lib.create(surface)
        lib.scale(context, factor, factor)
        var viewport = (0.0, 0.0, width, height)
        let rendered = withUnsafePointer(to: &viewport) { lib.renderDocument(handle, context, UnsafeRawPointer($0), &error) }
        let contextStatus = lib.status(context)
        lib.destroy(context)
        var written: Int32 = 0
        if format == .png, rendered != 0 { written = temporary.withCString { lib.writePNG(surface, $0) } }
        lib.surfaceFinish(surface)
        let surfaceStatus = lib.surfaceStatus(surface)
        lib.surfaceDestroy(surface)
        guard rendered != 0 else {
            unlink(temporary)
            throw Failure(path: path, problem: "librsvg could not draw the picture: \(message(error, lib))")
        }
        guard contextStatus == 0, written == 0, surfaceStatus == 0 else {
            unlink(temporary)
            throw Failure(path: path, problem: "cannot be written (cairo status \(max(contextStatus, written, surfaceStatus)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: path, problem: "cannot be written: \(reason)")
        }
    }

    /// The message of a GError (struct { GQuark domain; gint code; gchar *message; }), freed.
    static func message(_ error: UnsafeMutableRawPointer?, _ lib: Library) -> String {
        guard let error else { return "unknown error" }
        defer { lib.errorFree(error) }
        guard let text = error.load(fromByteOffset: 8, as: UnsafePointer<CChar>?.self) else { return "unknown error" }
        return String(cString: text)
    }
}
