// Bare Kestrel on 127.0.0.1:PORT: the same minimal API route and response as netlab-agent's GET /, nothing else.
using System.Text;

var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(System.Net.IPAddress.Loopback, port);
});
var app = builder.Build();
app.MapGet("/", () => Results.Text("Hello World!\n", "text/plain", Encoding.UTF8));
app.MapGet("/index/{name}", (string name) =>
    Results.Content($"<!doctype html>\n<h1>Hello, {System.Net.WebUtility.HtmlEncode(name)}!</h1>\n", "text/html", Encoding.UTF8));
app.Run();
