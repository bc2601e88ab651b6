using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Backlinks.Tests.Infrastructure;

/// <summary>Builds requests the way ASP.NET Core integration hands them to the functions, and reads results back.</summary>
public static class HttpRequests
{
    // What ASP.NET Core's JSON output uses by default: camelCase names.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static HttpRequest Post(string body, string? contentType, string query = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = contentType;
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    public static HttpRequest Get()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        return context.Request;
    }

    /// <summary>The status code and the JSON body the client would receive.</summary>
    public static (int Status, JsonElement Body) Read(IActionResult result)
    {
        var objectResult = Assert.IsAssignableFrom<ObjectResult>(result);
        var json = JsonSerializer.Serialize(objectResult.Value, objectResult.Value!.GetType(), Web);
        return (objectResult.StatusCode ?? 200, JsonDocument.Parse(json).RootElement.Clone());
    }
}
