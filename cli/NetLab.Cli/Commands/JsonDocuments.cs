using System.Text.Json.Serialization;

namespace NetLab.Cli.Commands;

// The --json documents netlab publishes (README), one record each, named property by property: a rename here is a
// change of the published format, and JsonSchemaTests (Snapshots/json-schemas.txt) says so. netlab.connect/3 is
// RunReport and ExerciseResult, in Exercises/ExerciseRunner.cs. Each document's schema comes first, then its
// properties in the order they are declared; a null is written as null.

/// <summary><c>netlab start --json</c>: the lab host, started (or found running) and its agent answering.</summary>
internal sealed record StartDocument(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("publicIp")] string? PublicIp,
    [property: JsonPropertyName("started")] bool Started,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("maxHours")] int? MaxHours,
    [property: JsonPropertyName("ceilingAt")] DateTime? CeilingAt) : IJsonDocument
{
    public const string SchemaName = "netlab.start/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary><c>netlab status --json</c>: every lab host found, and what they have cost so far.</summary>
internal sealed record StatusDocument(
    [property: JsonPropertyName("instances")] IReadOnlyList<StatusInstance> Instances,
    [property: JsonPropertyName("totalCostSoFar")] decimal TotalCostSoFar,
    [property: JsonPropertyName("currency")] string Currency) : IJsonDocument
{
    public const string SchemaName = "netlab.status/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary>One lab host in <see cref="StatusDocument"/>.</summary>
internal sealed record StatusInstance(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("launchTime")] DateTime? LaunchTime,
    [property: JsonPropertyName("uptimeHours")] double? UptimeHours,
    [property: JsonPropertyName("publicIp")] string? PublicIp,
    [property: JsonPropertyName("pricePerHour")] decimal? PricePerHour,
    [property: JsonPropertyName("costSoFar")] decimal? CostSoFar,
    [property: JsonPropertyName("maxHours")] int? MaxHours,
    [property: JsonPropertyName("ceilingAt")] DateTime? CeilingAt,
    [property: JsonPropertyName("hoursLeft")] double? HoursLeft);

/// <summary><c>netlab up --json</c>: where the lab host went, whom it admits, and the stack's outputs as cdk wrote them.</summary>
internal sealed record UpDocument(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("allowedCidr")] string AllowedCidr,
    [property: JsonPropertyName("outputs")] IReadOnlyDictionary<string, string> Outputs) : IJsonDocument
{
    public const string SchemaName = "netlab.up/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary><c>netlab down --json</c>: whether cdk destroy worked, and what EC2 says is left.</summary>
internal sealed record DownDocument(
    [property: JsonPropertyName("destroyed")] bool Destroyed,
    [property: JsonPropertyName("left")] IReadOnlyList<DownHost> Left,
    [property: JsonPropertyName("verdict")] string Verdict) : IJsonDocument
{
    public const string SchemaName = "netlab.down/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary>A lab host still there after <c>netlab down</c>.</summary>
internal sealed record DownHost(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State);

/// <summary><c>netlab ports --json</c>: each port probed, open, closed or filtered.</summary>
internal sealed record PortsDocument(
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("ports")] IReadOnlyList<PortsEntry> Ports) : IJsonDocument
{
    public const string SchemaName = "netlab.ports/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary>One port in <see cref="PortsDocument"/>: its state in lower case, its service name, the time to the verdict.</summary>
internal sealed record PortsEntry(
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("ms")] double Ms);

/// <summary><c>netlab http --json</c>: the request as sent and the response as it came (for https, the TLS facts too).</summary>
internal sealed record HttpDocument(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("request")] string Request,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("statusLine")] string StatusLine,
    [property: JsonPropertyName("headers")] IReadOnlyList<HttpHeader> Headers,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("tls")] HttpTls? Tls) : IJsonDocument
{
    public const string SchemaName = "netlab.http/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary>One header field of the response in <see cref="HttpDocument"/>, in the order it came.</summary>
internal sealed record HttpHeader(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string Value);

/// <summary>The TLS handshake under an https request in <see cref="HttpDocument"/>.</summary>
internal sealed record HttpTls(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("cipher")] string Cipher,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("fingerprint")] string Fingerprint);

/// <summary><c>netlab nc --json</c>: what moved, on stderr (stdout is the data), on one line.</summary>
internal sealed record NcDocument(
    [property: JsonPropertyName("sent")] long Sent,
    [property: JsonPropertyName("received")] long Received,
    [property: JsonPropertyName("connections")] int Connections,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("error")] string? Error) : IJsonDocument
{
    public const string SchemaName = "netlab.nc/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary><c>netlab tls --json</c>: the handshake's facts and the pin's verdict ("pinned-now" or "matches").</summary>
internal sealed record TlsDocument(
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("cipher")] string Cipher,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("notAfter")] DateTime NotAfter,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("alpn")] string? Alpn,
    [property: JsonPropertyName("pin")] string Pin) : IJsonDocument
{
    public const string SchemaName = "netlab.tls/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary><c>netlab info --json</c>: this machine's network facts, and a name resolved when one was asked for (else null).</summary>
internal sealed record InfoDocument(
    [property: JsonPropertyName("hostname")] string Hostname,
    [property: JsonPropertyName("interfaces")] IReadOnlyList<InfoInterface> Interfaces,
    [property: JsonPropertyName("gateways")] IReadOnlyList<string> Gateways,
    [property: JsonPropertyName("dnsServers")] IReadOnlyList<string> DnsServers,
    [property: JsonPropertyName("resolve")] InfoResolve? Resolve) : IJsonDocument
{
    public const string SchemaName = "netlab.info/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}

/// <summary>One network interface in <see cref="InfoDocument"/>.</summary>
internal sealed record InfoInterface(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("ipv4")] IReadOnlyList<string> IPv4,
    [property: JsonPropertyName("ipv6")] IReadOnlyList<string> IPv6);

/// <summary>The name <c>--resolve</c> asked for in <see cref="InfoDocument"/>: its addresses, or why there are none.</summary>
internal sealed record InfoResolve(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("addresses")] IReadOnlyList<string>? Addresses,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>What went wrong, with <c>--json</c>, instead of the one line on stderr (see <see cref="Fail"/>).</summary>
internal sealed record ErrorDocument(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("exitCode")] int ExitCode) : IJsonDocument
{
    public const string SchemaName = "netlab.error/1";

    [JsonPropertyName("schema")]
    [JsonPropertyOrder(-1)]
    public string Schema => SchemaName;
}
