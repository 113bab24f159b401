using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using NetLab.Cli.Exercises;

namespace NetLab.Cli.Tests.Commands;

/// <summary>
/// The --json documents are published formats (README): each is a record (IJsonDocument) whose serialized shape, one
/// "schema: path: type" line per property, is compared with Snapshots/json-schemas.txt. A renamed, removed, added or
/// retyped property fails here, named; after an intended change (with the schema's version raised when readers would
/// break), regenerate with NETLAB_UPDATE_SNAPSHOTS=1 and review the diff.
/// </summary>
public class JsonSchemaTests
{
    private const string SnapshotName = "json-schemas.txt";

    /// <summary>netlab's options for --json, with the reflection resolver the serializer would give them on first use.</summary>
    private static JsonSerializerOptions Options
    {
        get
        {
            Render.Json.MakeReadOnly(populateMissingResolver: true);
            return Render.Json;
        }
    }

    /// <summary>Every document type in netlab, by its schema name.</summary>
    private static List<(string Schema, Type Type)> Documents() =>
        typeof(IJsonDocument).Assembly.GetTypes()
            .Where(t => typeof(IJsonDocument).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .Select(t => (SchemaName(t), t))
            .OrderBy(d => d.Item1, StringComparer.Ordinal)
            .ToList();

    private static string SchemaName(Type type) =>
        type.GetField("SchemaName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field && field.GetRawConstantValue() is string name
            ? name
            : throw new InvalidOperationException($"{type.Name} is a JSON document but has no SchemaName constant");

    [Fact]
    public void Every_published_schema_is_a_named_document_whose_schema_property_comes_first()
    {
        var documents = Documents();
        Assert.Equal(
            ["netlab.connect/3", "netlab.down/1", "netlab.error/1", "netlab.http/1", "netlab.info/1", "netlab.nc/1", "netlab.ports/1", "netlab.start/1",
                "netlab.status/1", "netlab.tls/1", "netlab.up/1"],
            documents.Select(d => d.Schema));
        foreach (var (schema, type) in documents)
        {
            var first = Options.GetTypeInfo(type).Properties[0];
            Assert.True(first is { Name: "schema" } && first.PropertyType == typeof(string), $"{schema} ({type.Name}): its first property is {first.Name}, not schema");
        }
    }

    [Fact]
    public void A_renamed_removed_added_or_retyped_property_fails_naming_the_schema_and_the_property()
    {
        var actual = string.Concat(Documents().SelectMany(d => Shape(d.Type, "").Select(line => $"{d.Schema}: {line}\n")));
        var path = Path.Combine(SnapshotDir(), SnapshotName);
        if (Environment.GetEnvironmentVariable("NETLAB_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"no snapshot {path}; run the tests once with NETLAB_UPDATE_SNAPSHOTS=1 and review it");
        var expected = File.ReadAllText(path);
        if (expected == actual)
        {
            return;
        }

        var was = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var now = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var gone = was.Except(now).Select(l => $"  no longer written:  {l}");
        var added = now.Except(was).Select(l => $"  now written:        {l}");
        var changes = gone.Concat(added).ToList();
        Assert.Fail(
            "A published --json format changed: programs that read it by these names would break.\n" +
            (changes.Count > 0 ? string.Join('\n', changes) : "  the same properties, in another order") + "\n" +
            $"If this is intended, raise the schema's version (its SchemaName) where readers would break, then regenerate {SnapshotName} " +
            "with NETLAB_UPDATE_SNAPSHOTS=1 and review the diff.");
    }

    /// <summary>The serialized shape of <paramref name="type"/>: "path: type" for each property, in the order they are written, nested ones under their parent.</summary>
    private static IEnumerable<string> Shape(Type type, string prefix, int depth = 0)
    {
        Assert.True(depth < 8, $"{type.Name}: nested too deep (a cycle?)");
        // [JsonIgnore] ones are listed too, with no getter: never written.
        foreach (var property in Options.GetTypeInfo(type).Properties.Where(p => p.Get is not null))
        {
            var path = prefix + property.Name;
            var nullable = property.IsGetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null;
            yield return $"{path}: {TypeName(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)}{(nullable ? " or null" : "")}";
            foreach (var line in Inner(property.PropertyType, path, depth))
            {
                yield return line;
            }
        }
    }

    /// <summary>The properties inside an object, or inside the items of an array or the values of a dictionary.</summary>
    private static IEnumerable<string> Inner(Type type, string path, int depth)
    {
        var info = Options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Object when type != typeof(object) => Shape(type, path + ".", depth + 1),
            JsonTypeInfoKind.Enumerable => Inner(info.ElementType!, path + "[]", depth + 1),
            JsonTypeInfoKind.Dictionary => Inner(info.ElementType!, path + "{}", depth + 1),
            _ => [],
        };
    }

    /// <summary>How a value is written: an object, an array of ..., an object of ... by key, any, or the .NET type of a single value (int, double, DateTime...).</summary>
    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return TypeName(inner) + " or null";
        }

        if (type == typeof(object))
        {
            return "any";
        }

        var info = Options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Object => "object",
            JsonTypeInfoKind.Enumerable => $"array of {TypeName(info.ElementType!)}",
            JsonTypeInfoKind.Dictionary => $"object of {TypeName(info.ElementType!)} by {TypeName(info.KeyType!)}",
            _ => Type.GetTypeCode(type) switch
            {
                TypeCode.String => "string",
                TypeCode.Boolean => "bool",
                TypeCode.Int32 => "int",
                TypeCode.Int64 => "long",
                TypeCode.Double => "double",
                TypeCode.Decimal => "decimal",
                TypeCode.DateTime => "DateTime",
                _ => type.Name,
            },
        };
    }

    private static string SnapshotDir([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Snapshots");
}
