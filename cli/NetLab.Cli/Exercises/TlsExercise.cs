using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class TlsExercise : Exercise
{
    public override string Id => "tls";

    public override string Title => "TLS handshake and certificate";

    public override string Teaches => "TLS wraps the same TCP stream in encryption; a self-signed certificate is trusted by pinning its fingerprint on first use, as ssh does.";

    public override bool ShowsWireByDefault => true;

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Tls(view);

    public override string TryByHand(string host, int port) => $"`openssl s_client -connect {Net.Endpoint(host, port)}`   or   `ncat -C --ssl {host} {port}`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var (ssl, facts) = await TlsClient.ConnectAsync(context.Host, context.Port, context.Pins, context.TrustNewCert, ct);
        await using var client = new LineClient(ssl);
        await client.GreetAsync(ct); // speak first: no sniff window to wait out inside TLS either
        var (_, hint) = await client.ReadBannerAsync(ct);
        Expect.That(hint.Contains("over TLS", StringComparison.Ordinal), "the hint line to say \"over TLS\"", $"\"{Expect.Shorten(hint)}\"");

        figures.Add("version", facts.Version);
        figures.Add("cipher", facts.Cipher);
        figures.Add("certificate", $"{facts.Subject}, self-signed, valid until {facts.NotAfter:yyyy-MM-dd}",
            ("subject", facts.Subject), ("notAfter", facts.NotAfter.ToUniversalTime()));
        figures.Add("SHA-256", facts.Fingerprint);
        figures.Add("pin", facts.Pin == PinVerdict.PinnedNow ? "pinned now (first use)" : "matches the pinned fingerprint",
            ("pin", facts.Pin == PinVerdict.PinnedNow ? "pinned-now" : "matches"));
    }
}
