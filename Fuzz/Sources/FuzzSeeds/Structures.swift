import KeelLog

/// The structures of a real file image, found with KeelLog's own decoders.
struct Structures {
    var superblocks: [[UInt8]] = []
    var segmentHeaders: [[UInt8]] = []
    /// Each block's bytes (header, payload, padding) and the salt it was written under.
    var blocks: [(bytes: [UInt8], salt: UInt64, kind: BlockKind)] = []
    var checkpointPayloads: [[UInt8]] = []
    /// Each sealed segment's index region and the segment's salt and ID.
    var indexes: [(bytes: [UInt8], salt: UInt64, segmentID: UInt64)] = []

    init(image: [UInt8]) {
        var newest: Superblock? = nil
        for copy in 0..<Layout.superblockCopies {
            let bytes = Array(image[copy * Layout.superblockBytes..<(copy + 1) * Layout.superblockBytes])
            superblocks.append(bytes)
            if let decoded = try? bytes.withUnsafeBytes({ try Superblock.decode($0, offset: 0) }),
                decoded.sequence > newest?.sequence ?? 0
            {
                newest = decoded
            }
        }
        guard let superblock = newest else { fatalError("a seed file has no valid superblock") }
        let segmentBytes = Int(superblock.segmentBytes)
        let slots = (image.count - Int(Layout.dataOffset)) / segmentBytes
        var descriptors: [SegmentDescriptor] = []
        for slot in 0..<slots {
            let base = Int(Layout.dataOffset) + slot * segmentBytes
            let headerBytes = Array(image[base..<base + Layout.segmentHeaderBytes])
            guard let header = try? headerBytes.withUnsafeBytes({ try SegmentHeader.decode($0, offset: 0) }) else {
                continue
            }
            segmentHeaders.append(headerBytes)
            var position = base + Layout.segmentHeaderBytes
            let end = base + segmentBytes
            while position + Layout.blockHeaderBytes <= end {
                let found: (header: BlockHeader, payload: [UInt8])? = image.withUnsafeBytes { all in
                    let slice = UnsafeRawBufferPointer(rebasing: all[position..<end])
                    guard
                        let header = try? Block.validate(
                            slice, salt: header.salt, offset: 0, payloadBytesMax: segmentBytes),
                        let payload = try? Block.payload(slice, header: header, offset: 0)
                    else { return nil }
                    return (header, payload)
                }
                guard let found else { break }
                blocks.append(
                    (Array(image[position..<position + found.header.totalBytes]), header.salt, found.header.kind))
                if found.header.kind == .checkpoint {
                    checkpointPayloads.append(found.payload)
                    if position == Int(superblock.checkpointOffset),
                        let checkpoint = try? found.payload.withUnsafeBytes({ try Checkpoint.decode($0, offset: 0) })
                    {
                        descriptors = checkpoint.segments
                    }
                }
                position += found.header.totalBytes
            }
        }
        for descriptor in descriptors {
            let start = Int(Layout.dataOffset) + Int(descriptor.slot) * segmentBytes + Int(descriptor.indexOffset)
            indexes.append(
                (Array(image[start..<start + Int(descriptor.indexBytes)]), descriptor.salt, descriptor.segmentID))
        }
    }
}
