-- What families wrote (issue 26): codebooks, the themes analysts tag comments with, blind double-coding samples
-- and the names of schools and settings that masking hides. The comments themselves stay in `answers` (q7a).

-- A codebook per questionnaire, versioned: an edit appends a version (its themes in codebook_themes), so a
-- coding keeps the version it was made under and the history is never erased.
CREATE TABLE codebook_versions (
    questionnaire_id VARCHAR NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    note VARCHAR NOT NULL,
    made_by VARCHAR NOT NULL,
    made_at TIMESTAMP NOT NULL,
    PRIMARY KEY (questionnaire_id, version)
);
CREATE TABLE codebook_themes (
    questionnaire_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    theme_id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    label VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    PRIMARY KEY (questionnaire_id, version, theme_id)
);

-- One coding per comment (its response) and coder: who coded it, under which codebook version, and whether it
-- was a blind second coding (made without seeing the other's codes: it is compared, never counted).
CREATE TABLE comment_codings (
    response_id VARCHAR NOT NULL,
    coder VARCHAR NOT NULL,
    questionnaire_id VARCHAR NOT NULL,
    codebook_version INTEGER NOT NULL,
    blind BOOLEAN NOT NULL,
    coded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, coder)
);
-- The themes ticked in a coding (none ticked: the coding row alone, "no theme applies").
CREATE TABLE comment_tags (
    response_id VARCHAR NOT NULL,
    coder VARCHAR NOT NULL,
    theme_id VARCHAR NOT NULL,
    PRIMARY KEY (response_id, coder, theme_id)
);

-- A wave's sample for blind double coding, drawn once with a seed.
CREATE TABLE coding_samples (
    wave_id VARCHAR NOT NULL,
    response_id VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    drawn_at TIMESTAMP NOT NULL,
    PRIMARY KEY (wave_id, response_id)
);

-- Schools and settings whose names masking replaces with "[school]", kept by an admin.
CREATE TABLE setting_names (
    name VARCHAR PRIMARY KEY,
    added_by VARCHAR NOT NULL,
    added_at TIMESTAMP NOT NULL
);
