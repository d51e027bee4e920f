// SKELETON (issue 17, being built): the evidence watch's memory in Table Storage.
import type { AfterWindowCalls, CredentialWatchStore, WatchedWindow } from "../../ports/credentialWatch.js";
import type { TableStorageSettings } from "./tables.js";

export class TableCredentialWatch implements CredentialWatchStore {
  constructor(private readonly settings: TableStorageSettings) {}

  watch(window: WatchedWindow): Promise<void> {
    void this.settings;
    throw new Error(`not built yet: ${window.requestId}`);
  }

  afterWindow(requestId: string): Promise<AfterWindowCalls> {
    throw new Error(`not built yet: ${requestId}`);
  }
}
