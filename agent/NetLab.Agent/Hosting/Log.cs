using System.Net;
using Microsoft.Extensions.Logging;

namespace NetLab.Agent.Hosting;

/// <summary>The agent's log messages, with stable event ids (journalctl -u netlab-agent shows them).</summary>
internal static partial class Log
{
    [LoggerMessage(2, LogLevel.Information, "Generated a new self-signed certificate in {Path}")]
    public static partial void CertificateCreated(ILogger logger, string path);

    [LoggerMessage(10, LogLevel.Information, "Re-issued the certificate in {Path} with the same key, for the names {Names}")]
    public static partial void CertificateReissued(ILogger logger, string path, string names);

    [LoggerMessage(3, LogLevel.Information, "Transfer with {Peer}: {Outcome}")]
    public static partial void TransferDone(ILogger logger, IPEndPoint peer, string outcome);

    [LoggerMessage(4, LogLevel.Debug, "Connection from {Peer} sniffed as {Verdict}")]
    public static partial void Sniffed(ILogger logger, IPEndPoint peer, string verdict);

    [LoggerMessage(5, LogLevel.Debug, "Text session with {Peer} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, IPEndPoint peer, string reason);

    [LoggerMessage(7, LogLevel.Information, "Client {Address}: {Reason}")]
    public static partial void ClientFailed(ILogger logger, IPAddress address, string reason);

    [LoggerMessage(8, LogLevel.Error, "Unexpected failure serving {Address}: {What}")]
    public static partial void Unexpected(ILogger logger, IPAddress address, string what, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "capture is on: the lab port's packets (TCP {TcpPort}, UDP {UdpPort}), headers and at most 64 payload bytes each, {PerAddress} per address, {Total} in total, for {Lifetime}, in memory only")]
    public static partial void CaptureOn(ILogger logger, int tcpPort, int udpPort, string perAddress, string total, string lifetime);

    [LoggerMessage(12, LogLevel.Information, "{Reason}")]
    public static partial void CaptureOff(ILogger logger, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Lifetime: {Message}")]
    public static partial void Lifetime(ILogger logger, string message);
}
