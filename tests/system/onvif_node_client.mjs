// The `onvif` package from npm (agsh/onvif, the ONVIF client Node-RED, Shinobi and other NVR
// software are built on), connecting to vtod as those do: Cam() logs in (PasswordDigest),
// reads the clock, the capabilities and the profiles; then the stream and snapshot URIs.
// Prints one JSON line: {profiles: [[token, encoding, width, height]], stream, snapshot} or
// {error}. Usage: node onvif_node_client.mjs PORT USER PASSWORD
import onvif from "onvif";

const [port, username, password] = process.argv.slice(2);
const done = (result) => {
  console.log(JSON.stringify(result));
  process.exit(0);
};
new onvif.Cam({ hostname: "127.0.0.1", port: Number(port), username, password, timeout: 10000 }, function (err) {
  if (err) return done({ error: err.message });
  const profiles = this.profiles.map((p) => [p.$.token, p.videoEncoderConfiguration?.encoding,
    p.videoEncoderConfiguration?.resolution?.width, p.videoEncoderConfiguration?.resolution?.height]);
  this.getStreamUri({ protocol: "RTSP", profileToken: "main" }, (e1, stream) => {
    if (e1) return done({ error: e1.message });
    this.getSnapshotUri({ profileToken: "main" }, (e2, snapshot) => {
      if (e2) return done({ error: e2.message });
      done({ profiles, stream: stream.uri, snapshot: snapshot.uri });
    });
  });
});
