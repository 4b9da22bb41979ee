// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SoccerStream",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "soccer-stream", targets: ["soccer-stream"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Match", targets: ["Match"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "Wire", dependencies: ["CZlib"]),
        .target(name: "Match", dependencies: ["Wire"]),
        .target(name: "Toolkit", dependencies: ["Wire", "Match"]),
        .executableTarget(
            name: "soccer-stream",
            dependencies: [
                "Wire", "Match", "Toolkit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Match", "Toolkit"]),
        .testTarget(name: "MatchTests", dependencies: ["Match", "Wire"]),
    ]
)
