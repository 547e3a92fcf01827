import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Training
import Optimization
import Reports
import RunRecords
import Support

struct SVGParseError: Error { let line: Int }

/// Collects the elements of an SVG document with their attributes and text.
final class SVGElements: NSObject, XMLParserDelegate {
    struct Element { let name: String; let attributes: [String: String]; var text = "" }
    var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ svg: String) throws -> [Element] {
        let collector = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else { throw SVGParseError(line: parser.lineNumber) }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = open.last { elements[last].text += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
}

extension Array where Element == SVGElements.Element {
    func withClass(_ name: String) -> [SVGElements.Element] { filter { $0.attributes["class"] == name } }
}
