import { type Static, Type } from "typebox";
import { Key, Line, Nullable, OneOf, OptionalText, StrictObject, Text } from "../lib/schema.ts";
import { SEARCH_LANGUAGES } from "./kb.vocabulary.ts";

// Request and response shapes of the knowledge base: one set of rules for the JSON API and the
// pages' forms. Lengths are code points. Each answer's type is the Static of the schema its route
// answers with, declared here once: the services return it, the routes and pages use it.

export const TITLE_MAX = 200;
export const BODY_MAX = 100_000;
export const TAGS_MAX = 10;
export const TAG_MAX = 40;
export const COMMENT_MAX = 1000;
export const CATEGORY_NAME_MAX = 80;
export const CATEGORY_DESCRIPTION_MAX = 500;
export const NOT_FOUND_TEXT_MAX = 1000;
export const QUERY_MAX = 200;
export const SUGGESTIONS_MAX = 5;

export const ARTICLE_STATUSES = ["draft", "published"] as const;
export const ARTICLE_VISIBILITIES = ["public", "workspace", "internal"] as const;
export const ARTICLE_SORTS = ["manual", "newest", "title", "helpful"] as const;
export const DEFLECTION_EVENTS = ["shown", "clicked", "dismissed"] as const;

export const Slug = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$",
  "x-error": "must be lowercase letters, digits and single hyphens",
});
const Tag = Type.String({
  minLength: 1,
  maxLength: TAG_MAX,
  pattern: "^[^\\u0000-\\u001F\\u007F,]+$",
  "x-error": "must be a short word without commas or control characters",
});
const Id = Key(64);

export const ArticleInput = StrictObject({
  title: Line(TITLE_MAX),
  body: OptionalText(BODY_MAX, "Markdown; raw HTML is shown as text"),
  slug: Type.Optional(Slug),
  categoryId: Type.Optional(Nullable(Id)),
  tags: Type.Optional(Type.Array(Tag, { maxItems: TAGS_MAX })),
  status: Type.Optional(OneOf(ARTICLE_STATUSES)),
  visibility: Type.Optional(
    OneOf(ARTICLE_VISIBILITIES, "public: everyone; workspace: signed-in customers; internal: agents only"),
  ),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

export const ArticlePatch = StrictObject({
  title: Type.Optional(Line(TITLE_MAX)),
  body: Type.Optional(OptionalText(BODY_MAX)),
  slug: Type.Optional(Slug),
  categoryId: Type.Optional(Nullable(Id)),
  tags: Type.Optional(Type.Array(Tag, { maxItems: TAGS_MAX })),
  status: Type.Optional(OneOf(ARTICLE_STATUSES)),
  visibility: Type.Optional(OneOf(ARTICLE_VISIBILITIES)),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

export const CategoryInput = StrictObject({
  name: Line(CATEGORY_NAME_MAX),
  slug: Type.Optional(Slug),
  description: Type.Optional(OptionalText(CATEGORY_DESCRIPTION_MAX)),
  showOnPortal: Type.Optional(Type.Boolean()),
  articleSort: Type.Optional(OneOf(ARTICLE_SORTS)),
});

export const CategoryPatch = StrictObject({
  name: Type.Optional(Line(CATEGORY_NAME_MAX)),
  description: Type.Optional(OptionalText(CATEGORY_DESCRIPTION_MAX)),
  showOnPortal: Type.Optional(Type.Boolean()),
  articleSort: Type.Optional(OneOf(ARTICLE_SORTS)),
});

export const CategoryOrder = StrictObject({ ids: Type.Array(Id, { minItems: 1, maxItems: 500 }) });

export const SettingsPatch = StrictObject({
  searchLanguage: Type.Optional(OneOf(SEARCH_LANGUAGES)),
  notFoundText: Type.Optional(Nullable(Text(NOT_FOUND_TEXT_MAX))),
});

export const FeedbackInput = StrictObject({
  helpful: Type.Boolean(),
  comment: Type.Optional(OptionalText(COMMENT_MAX, "Only kept when helpful is false")),
});

export const VisitId = Type.String({
  pattern: "^[A-Za-z0-9_-]{16,64}$",
  "x-error": "must be 16–64 letters, digits, - or _",
});

export const DeflectionEventInput = StrictObject({
  visitId: VisitId,
  type: OneOf(DEFLECTION_EVENTS),
  articleIds: Type.Optional(Type.Array(Id, { maxItems: SUGGESTIONS_MAX })),
});

export const Category = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  position: Type.Integer(),
  showOnPortal: Type.Boolean(),
  articleSort: OneOf(ARTICLE_SORTS),
});
export type CategoryView = Static<typeof Category>;

export const ArticleSummary = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String(),
  categoryId: Nullable(Type.String()),
  status: OneOf(ARTICLE_STATUSES),
  visibility: OneOf(ARTICLE_VISIBILITIES),
  tags: Type.Array(Type.String()),
  helpful: Type.Object({ yes: Type.Integer(), no: Type.Integer() }),
  views: Type.Integer({ description: "Reads on the portal, agents and same-day reloads not counted" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type ArticleSummaryView = Static<typeof ArticleSummary>;

export const Article = Type.Object({
  ...ArticleSummary.properties,
  body: Type.String({ description: "Markdown as written" }),
  html: Type.String({ description: "The sanitised rendering" }),
  position: Type.Integer(),
  author: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  publishedAt: Nullable(Type.String()),
  createdAt: Type.String({ format: "date-time" }),
});
export type ArticleView = Static<typeof Article>;

export const PublicArticle = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String(),
  html: Type.String(),
  tags: Type.Array(Type.String()),
  category: Nullable(Type.Object({ name: Type.String(), slug: Type.String() })),
  updatedAt: Type.String({ format: "date-time" }),
});
export type PortalArticle = Static<typeof PublicArticle>;

export const PublicHit = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String(),
  /** Plain text around the matched words. */
  snippet: Type.String(),
  /** Where the matched words are in `snippet`: [start, end) offsets in UTF-16 code units. */
  marks: Type.Array(Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) })),
  url: Type.String(),
});
export type PortalHit = Static<typeof PublicHit>;

export const PortalArticleLink = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String(),
});
export type PortalArticleLink = Static<typeof PortalArticleLink>;

/** A category on the portal with its articles, in the category's order. */
export const PortalCategory = Type.Object({
  ...Category.properties,
  articles: Type.Array(PortalArticleLink),
});
export type PortalCategory = Static<typeof PortalCategory>;

export const PortalHome = Type.Object({
  categories: Type.Array(PortalCategory),
  notFoundText: Type.String(),
});

export const FeedbackCreated = Type.Object({ id: Type.String() });
export type FeedbackCreated = Static<typeof FeedbackCreated>;

export const Settings = Type.Object({
  searchLanguage: OneOf(SEARCH_LANGUAGES),
  stemming: Type.Boolean({ description: "Whether this database stems words in the chosen language" }),
  notFoundText: Nullable(Type.String({ description: "The workspace's own text, or null for the default" })),
  effectiveNotFoundText: Type.String(),
});
export type KbSettings = Static<typeof Settings>;

export const SearchMiss = Type.Object({ query: Type.String(), count: Type.Integer(), lastAt: Type.String() });
export type SearchMiss = Static<typeof SearchMiss>;

export const DeflectionWeek = Type.Object({
  week: Type.String({ description: "Monday, UTC" }),
  visitsWithSuggestions: Type.Integer(),
  clicked: Type.Integer(),
  deflected: Type.Integer(),
  rate: Type.Number(),
});
export type DeflectionWeek = Static<typeof DeflectionWeek>;

export const NegativeFeedback = Type.Object({
  articleId: Type.String(),
  title: Type.String(),
  comment: Type.String(),
  createdAt: Type.String(),
});
export type NegativeFeedback = Static<typeof NegativeFeedback>;

export const Insights = Type.Object({
  misses: Type.Array(SearchMiss),
  deflection: Type.Array(DeflectionWeek),
  feedback: Type.Array(NegativeFeedback),
});
export type KbInsights = Static<typeof Insights>;
