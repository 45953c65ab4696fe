import { render } from "preact";
import "uplot/dist/uPlot.min.css";
import { ApiClient } from "./api/client";
import { App } from "./App";
import { LiveFeed } from "./lib/live";
import { takeToken } from "./lib/token";
import "./styles/app.css";

const { token, search } = takeToken(window.location.search, window.sessionStorage);
if (search !== window.location.search) {
  // Drop ?token= from the address bar (it stays in sessionStorage for this tab).
  window.history.replaceState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
}

const client = new ApiClient("", token);
const live = new LiveFeed(() => client.openEvents());
render(<App client={client} live={live} />, document.getElementById("app")!);
