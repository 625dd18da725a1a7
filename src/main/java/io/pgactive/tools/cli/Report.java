package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** What a check found: its verdict and one-line message, perfdata, the JSON body and the human table. */
final class Report {

    final String check;
    Result result = Result.OK;
    String message = "";
    final List<String> perfdata = new ArrayList<>();
    // not through the mapper: a table never needs it, and building it is a good part of a run's start-up
    final ObjectNode json = JsonNodeFactory.instance.objectNode();
    Table table;
    /** Lines printed under the table in the table format (reasons, errors). */
    final List<String> notes = new ArrayList<>();

    /** Already printed as it happened (watch): only the exit code is left to give. */
    boolean streamed;

    Report(String check) {
        this.check = check;
    }

    static Report failure(String check, Result result, String message) {
        Report r = new Report(check);
        r.result = result;
        r.message = message;
        return r;
    }
}
