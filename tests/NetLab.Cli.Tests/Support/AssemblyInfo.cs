// nc, ncat, network namespaces and nftables: these tests run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
