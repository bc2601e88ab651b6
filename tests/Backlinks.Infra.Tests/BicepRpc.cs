using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backlinks.Infra.Tests;

/// <summary>
/// One Bicep CLI (from NuGet, offline, no telemetry) for the whole test run, in its JSON-RPC mode
/// (<c>bicep jsonrpc --stdio</c>, what Bicep's own RPC client drives): the CLI starts once, about 2.5 s of CPU that
/// is nearly all JIT, instead of once per build and per snapshot. Requests go one at a time.
/// An answer is kept beside the test assembly under a hash of all it depends on (the CLI's version, which is in its
/// path, the request, the file it names and every file of infra/), so that a run where none of them changed takes
/// the answer the CLI gave for the same input, and starts no CLI: 4.6 s of CPU, in the busiest seconds of the run.
/// </summary>
internal sealed class BicepRpc
{
    private static readonly Lazy<Process> Cli = new(Start);
    private static readonly string Answers = Path.Combine(AppContext.BaseDirectory, "bicep-answers");
    private static readonly Lazy<byte[]> InfraFiles = new(() => Hash(Directory.EnumerateFiles(Path.Combine(CompiledTemplate.RepoRoot, "infra"), "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .SelectMany(file => Encoding.UTF8.GetBytes(Path.GetRelativePath(CompiledTemplate.RepoRoot, file) + "\n").Concat(Hash(File.ReadAllBytes(file))))
        .ToArray()));

    private readonly Lock _oneAtATime = new();
    private int _lastId;

    public static BicepRpc Instance { get; } = new();

    /// <summary><c>bicep build</c>: the ARM JSON, and every diagnostic (errors and linter warnings) one per line.</summary>
    public (bool Success, string Contents, string Diagnostics) Compile(string bicepFile)
    {
        var result = Call("bicep/compile", new { path = bicepFile }, bicepFile);
        return ((bool)result["success"]!, (string?)result["contents"] ?? "", Describe(result["diagnostics"]!.AsArray()));
    }

    /// <summary>
    /// <c>bicep snapshot</c>: what the parameters file deploys, as the CLI writes it to <c>*.snapshot.json</c>;
    /// or, when the file does not compile, its diagnostics.
    /// </summary>
    public (string? Snapshot, string Diagnostics) Snapshot(string paramsFile, string subscriptionId, string tenantId, string location)
    {
        // getSnapshot only says "Compilation failed"; compileParams says why.
        var compiled = Call("bicep/compileParams", new { path = paramsFile, parameterOverrides = new { } }, paramsFile);
        if (!(bool)compiled["success"]!)
        {
            return (null, Describe(compiled["diagnostics"]!.AsArray()));
        }
        var metadata = new { tenantId, subscriptionId, resourceGroup = (string?)null, location, deploymentName = (string?)null };
        var snapshot = Call("bicep/getSnapshot", new { path = paramsFile, metadata, externalInputs = Array.Empty<object>() }, paramsFile);
        return ((string)snapshot["snapshot"]!, "");
    }

    /// <param name="file">The file the request names: its content, not its path (snapshots are taken in a new temporary folder each time), goes into the answer's key.</param>
    private JsonObject Call(string method, object parameters, string file)
    {
        var request = JsonSerializer.Serialize(parameters).Replace(JsonSerializer.Serialize(file), "\"(file)\"", StringComparison.Ordinal);
        var key = Convert.ToHexStringLower(Hash([.. Encoding.UTF8.GetBytes($"{CompiledTemplate.Metadata("BicepPath")}\n{method}\n{request}\n"),
            .. Hash(File.ReadAllBytes(file)), .. InfraFiles.Value]));
        var kept = Path.Combine(Answers, key + ".json");
        if (File.Exists(kept))
        {
            return JsonNode.Parse(File.ReadAllBytes(kept))!.AsObject();
        }
        var result = Ask(method, parameters);
        Directory.CreateDirectory(Answers);
        var written = $"{kept}.{Guid.NewGuid():N}";
        File.WriteAllText(written, result.ToJsonString());
        File.Move(written, kept, overwrite: true);
        return result;
    }

    private static byte[] Hash(byte[] bytes) => System.Security.Cryptography.SHA256.HashData(bytes);

    private JsonObject Ask(string method, object parameters)
    {
        lock (_oneAtATime)
        {
            var process = Cli.Value;
            var body = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = ++_lastId, method, @params = parameters });
            var input = process.StandardInput.BaseStream;
            input.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n")));
            input.Write(body);
            input.Flush();

            var response = JsonNode.Parse(ReadMessage(process.StandardOutput.BaseStream))!.AsObject();
            if (response["error"] is JsonObject error)
            {
                throw new InvalidOperationException($"{method} failed: {error["message"]} {error["data"]?["message"]}");
            }
            return response["result"]!.AsObject();
        }
    }

    /// <summary>One message of the base protocol: <c>Content-Length</c> headers, a blank line, the JSON.</summary>
    private static byte[] ReadMessage(Stream output)
    {
        var header = new StringBuilder();
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var b = output.ReadByte();
            if (b < 0)
            {
                throw new InvalidOperationException("The Bicep CLI closed its output.");
            }
            header.Append((char)b);
        }
        var length = header.ToString().Split("\r\n")
            .Where(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(line => int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture))
            .Single();
        var body = new byte[length];
        output.ReadExactly(body);
        return body;
    }

    /// <summary>Diagnostics as the CLI prints them: <c>file(line,column) : Level CODE: message</c>.</summary>
    private static string Describe(JsonArray diagnostics) => string.Join('\n', diagnostics.Select(d =>
        string.Create(CultureInfo.InvariantCulture,
            $"{d!["source"]}({(int)d["range"]!["start"]!["line"]! + 1},{(int)d["range"]!["start"]!["char"]! + 1}) : {d["level"]} {d["code"]}: {d["message"]}")));

    private static Process Start()
    {
        var bicep = CompiledTemplate.Metadata("BicepPath");
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(bicep).HasFlag(UnixFileMode.UserExecute))
        {
            // Some package extractions drop the executable bit.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        var start = new ProcessStartInfo(bicep)
        {
            ArgumentList = { "jsonrpc", "--stdio" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        };
        return process;
    }
}
