// Shapes of the shares API (/api/v1/shares): reports, whole campaigns and indicators an
// organisation shares under a TLP marking with an audience. Loaded only by the pages that use it.
import type { Analysis } from './api';
import type { CaseSources, CoopObject, ObjectReport, ObjectReportPage } from './coop';

// Counts over the shared reports, taken when the share was made.
export interface ShareStats {
  reports?: number;
  complaints?: number;
  categories?: Record<string, number>;  // "unclassified" for reports not yet classified
  countries?: string[];  // origin countries (ISO alpha-2), without counts
}

// An indicator shared, with its sightings in the sharing organisation's reports (detail only).
export interface ShareIndicator {
  type: string;
  value: string;
  reports?: number;
  first_seen?: string | null;
  last_seen?: string | null;
}

export interface Share extends CoopObject {
  summary?: string;
  agreement?: { id: number; title: string };
  stats?: ShareStats;
  indicators?: ShareIndicator[];
  // The answers of POST, GET and PATCH /api/v1/shares/ID (not the list):
  counts?: { reports: number; campaigns: number; indicators: number };
  // GET /api/v1/shares/ID: whether the caller gets the complainants' personal data and the raw
  // messages (the owner's users allowed to read personal data, or a party to the cited agreement
  // when it allows personal data).
  personal_data_included?: boolean;
}

export interface SharedReport extends ObjectReport {
  origin_asn: number | null;
  analysis?: Analysis | null;  // with=analysis
}

export type SharedReportPage = ObjectReportPage<SharedReport>;

// What a share is made of (POST /api/v1/shares): the same sources as a case.
export type ShareSources = CaseSources;
