using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// A stand-in for EC2's instance metadata service, IMDSv2 only (the stack sets HttpTokens=required): PUT
/// /latest/api/token with a TTL header gives a token, and GET /latest/meta-data/public-ipv4 and public-hostname
/// answer only with that token (401 without it), as EC2 does. It listens at 169.254.169.254:80 inside the host's
/// network namespace, and records every request.
/// </summary>
internal sealed class MetadataService : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _token = Convert.ToBase64String(Guid.NewGuid().ToByteArray());

    public MetadataService(HostNetwork network, string publicIpv4)
    {
        PublicIpv4 = publicIpv4;
        _listener = network.Namespace.Enter(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(HostNetwork.MetadataAddress), 80));
            socket.Listen(16);
            return socket;
        });
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>What public-ipv4 answers (a stop and start changes it); public-hostname follows it, as EC2's names do.</summary>
    public string PublicIpv4 { get; set; }

    public string PublicHostname => $"ec2-{PublicIpv4.Replace('.', '-')}.compute-1.amazonaws.com";

    /// <summary>"METHOD PATH token|no-token" for every request.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        using (var stream = new NetworkStream(client))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var head = await ReadHeadAsync(stream, timeout.Token);
                var lines = head.Split("\r\n");
                var request = lines[0].Split(' ');
                var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                    .ToDictionary(l => l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':') + 1)..].Trim());
                var (method, path) = (request[0], request.Length > 1 ? request[1] : "/");
                var withToken = headers.TryGetValue("x-aws-ec2-metadata-token", out var token) && token == _token;
                Requests.Enqueue($"{method} {path} {(withToken ? "token" : "no-token")}");
                var (status, body) = (method, path) switch
                {
                    ("PUT", "/latest/api/token") when headers.ContainsKey("x-aws-ec2-metadata-token-ttl-seconds") => (200, _token),
                    ("PUT", "/latest/api/token") => (400, "missing X-aws-ec2-metadata-token-ttl-seconds"),
                    ("GET", _) when !withToken => (401, ""),
                    ("GET", "/latest/meta-data/public-ipv4") => (200, PublicIpv4),
                    ("GET", "/latest/meta-data/public-hostname") => (200, PublicHostname),
                    _ => (404, ""),
                };
                var reason = status switch { 200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", _ => "Not Found" };
                var bytes = Encoding.ASCII.GetBytes(body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), timeout.Token);
                await stream.WriteAsync(bytes, timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The client went away.
            }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16 * 1024)
        {
            var n = await stream.ReadAsync(buffer, ct);
            if (n == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return head.ToString();
    }
}
